# tcpsim linux signature  scenario send-after-peer-closed  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 12 = 12
calls client/ignclient
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 12 = 12
  send fd 3 12 = -1 EPIPE
  send fd 3 14 = -1 EPIPE
  recv fd 3 65536 = 0
  close fd 3 = 0
calls server/ignserver
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  close fd 4 = 0
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  client client.s>10.0.0.2:8400
  client ignclient.s>10.0.0.2:8401
link rst-sent
  server 10.0.0.2:8400>client.s closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
  server 10.0.0.2:8401>ignclient.s closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
process client/client
  start 0
  signal SIGPIPE terminate
  killed 141
process client/ignclient
  start 0
  exit 0
process server/ignserver
  start 0
  exit 0
process server/server
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-13
segments client>server ignclient.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-13
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  F.   seq 1 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8401>ignclient.s
  S.   seq 0 ack 1 len 0 delivered
  F.   seq 1 ack 1 len 0 delivered
  R    (a socket that is gone answers)
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> CLOSED
states client ignclient.s>10.0.0.2:8401
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
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states server 10.0.0.2:8401>ignclient.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
