# tcpsim linux signature  scenario linger-zero-close  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 14 = 14
  recv fd 3: 31 bytes
  setsockopt fd 3 SO_LINGER {1, 0} = 0
  close fd 3 = 0
calls client/client2
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  setsockopt fd 3 SO_LINGER {1, 0} = 0
  send fd 3 10000 = 10000
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 14 bytes
  send fd 4 31 = 31
  recv fd 4 256 = -1 ECONNRESET
  close fd 4 = 0
  close fd 3 = 0
calls server/server2
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 10000 bytes
  recv fd 4 65536 = -1 ECONNRESET
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  server 10.0.0.2:8400>client.s
  server 10.0.0.2:8401>client2.s
link rst-sent
  client client.s>10.0.0.2:8400 in TCP_CLOSE: TCP_STATE
  client client2.s>10.0.0.2:8401 in TCP_CLOSE: TCP_STATE
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
  data 1-15
  R.   seq 15 ack 32 len 0 delivered
segments client>server client2.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-10001
  R.   seq 10001 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-32
segments server>client 10.0.0.2:8401>client2.s
  S.   seq 0 ack 1 len 0 delivered
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
