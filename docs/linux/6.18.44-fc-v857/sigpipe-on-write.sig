# tcpsim linux signature  scenario sigpipe-on-write  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 20 = 20
  recv fd 3 100 = 0
  send fd 3 40 = 40
calls client/client2
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 20 = 20
  recv fd 3 100 = 0
  send fd 3 40 = 40
  send fd 3 50 = -1 EPIPE
  send fd 3 60 = -1 EPIPE
  close fd 3 = 0
calls client/client3
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8402 = 0
  send fd 3 20 = 20
  recv fd 3 100 = 0
  send fd 3 40 = 40
  send fd 3 50 = -1 EPIPE
  send fd 3 60 = -1 EPIPE
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 20 bytes
  close fd 4 = 0
  close fd 3 = 0
calls server/server2
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 20 bytes
  close fd 4 = 0
  close fd 3 = 0
calls server/server3
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8402 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 20 bytes
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  client client.s>10.0.0.2:8400
  client client2.s>10.0.0.2:8401
  client client3.s>10.0.0.2:8402
link rst-sent
  server 10.0.0.2:8400>client.s closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
  server 10.0.0.2:8401>client2.s closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
  server 10.0.0.2:8402>client3.s closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
process client/client
  start 0
  signal SIGPIPE terminate
  killed 141
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
process server/server3
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-61
segments client>server client2.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-61
segments client>server client3.s>10.0.0.2:8402
  S    seq 0 ack 0 len 0 delivered
  data 1-61
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  F.   seq 1 ack 21 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8401>client2.s
  S.   seq 0 ack 1 len 0 delivered
  F.   seq 1 ack 21 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8402>client3.s
  S.   seq 0 ack 1 len 0 delivered
  F.   seq 1 ack 21 len 0 delivered
  R    (a socket that is gone answers)
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> CLOSED
states client client2.s>10.0.0.2:8401
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> CLOSED
states client client3.s>10.0.0.2:8402
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 0.0.0.0:8401>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 0.0.0.0:8402>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states server 10.0.0.2:8401>client2.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states server 10.0.0.2:8402>client3.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
