# tcpsim linux signature  scenario close-with-unread-data  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 3000 = 3000
  recv fd 3 65536 = -1 ECONNRESET
  close fd 3 = 0
calls client/client2
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 3000 = 3000
  recv fd 3: 5840 bytes
  recv fd 3 8000 = -1 ECONNRESET
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  close fd 4 = 0
  close fd 3 = 0
calls server/server2
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 5840 = 5840
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  client client.s>10.0.0.2:8400
  client client2.s>10.0.0.2:8401
link rst-sent
  server 10.0.0.2:8400>client.s in TCP_CLOSE: TCP_ABORT_ON_CLOSE
  server 10.0.0.2:8401>client2.s in TCP_CLOSE: TCP_ABORT_ON_CLOSE
process client/client
  start 0
  exit 0
process client/client2
  start 0
  exit 0
process server/server
  start 0
  exit 0
process server/server2
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-3001
segments client>server client2.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-3001
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  R.   seq 1 ack 3001 len 0 delivered
segments server>client 10.0.0.2:8401>client2.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-5841
  R.   seq 5841 ack 3001 len 0 delivered
  R    (a socket that is gone answers)
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states client client2.s>10.0.0.2:8401
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 0.0.0.0:8401>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSED
states server 10.0.0.2:8401>client2.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSED
