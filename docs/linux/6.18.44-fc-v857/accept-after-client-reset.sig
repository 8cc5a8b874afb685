# tcpsim linux signature  scenario accept-after-client-reset  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  bind fd 3 0.0.0.0:41000 = 0
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 75 = 75
  setsockopt fd 3 SO_LINGER {1, 0} = 0
  close fd 3 = 0
calls client/client2
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 75 = 75
  setsockopt fd 3 SO_LINGER {1, 0} = 0
  close fd 3 = 0
calls client/client3
  socket fd -1 = 3
  bind fd 3 0.0.0.0:41003 = 0
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 75 = 75
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  accept fd 3 = 5
  recv fd 5: 75 bytes
  recv fd 5 65536 = 0
  close fd 5 = 0
  close fd 3 = 0
calls server/server2
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  fcntl fd 3 F_SETFL, O_NONBLOCK = 0
  accept fd 3 = 4
  accept fd 3 = -1 EAGAIN
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
link socket-at-end
  client client3.s>10.0.0.2:8400 TIME-WAIT
process client/client
  start 0
  exit 0
process client/client2
  start 0
  exit 0
process client/client3
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
  data 1-76
  R.   seq 76 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments client>server client2.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-76
  R.   seq 76 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments client>server client3.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-76
  F.   seq 76 ack 1 len 0 delivered
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
segments server>client 10.0.0.2:8400>client3.s
  S.   seq 0 ack 1 len 0 delivered
  F.   seq 1 ack 77 len 0 delivered
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
states client client3.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
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
states server 10.0.0.2:8400>client3.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
states server 10.0.0.2:8401>client2.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSED
