# tcpsim linux signature  scenario client-close-then-server-send  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  close fd 3 = 0
calls client/exitclient
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
calls client/ignclient
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8402 = 0
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  send fd 3 100 = 100
  close fd 3 = 0
calls server/exitserver
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 100 = 100
  recv fd 4: 100 bytes
calls server/ignserver
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8402 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 100 = 100
  recv fd 4: 100 bytes
  send fd 4 100 = -1 EPIPE
  recv fd 4: 100 bytes
  send fd 4 100 = -1 EPIPE
  recv fd 4: 1700 bytes
  recv fd 4 65536 = 0
  close fd 4 = 0
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 100 = 100
  recv fd 4: 100 bytes
host client
  up
host server
  up
link rst-received
  server 10.0.0.2:8400>client.s
  server 10.0.0.2:8401>exitclient.s
  server 10.0.0.2:8402>ignclient.s
link rst-sent
  client client.s>10.0.0.2:8400 closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
  client exitclient.s>10.0.0.2:8401 closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
  client ignclient.s>10.0.0.2:8402 closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
process client/client
  start 0
  exit 0
process client/exitclient
  start 0
  exit 0
process client/ignclient
  start 0
  exit 0
process server/exitserver
  start 0
  signal SIGPIPE terminate
  killed 141
process server/ignserver
  start 0
  exit 0
process server/server
  start 0
  signal SIGPIPE terminate
  killed 141
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-2001
  F.   seq 2001 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments client>server exitclient.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-2001
  F.   seq 2001 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments client>server ignclient.s>10.0.0.2:8402
  S    seq 0 ack 0 len 0 delivered
  data 1-2001
  F.   seq 2001 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-101
segments server>client 10.0.0.2:8401>exitclient.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-101
segments server>client 10.0.0.2:8402>ignclient.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-101
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states client exitclient.s>10.0.0.2:8401
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states client ignclient.s>10.0.0.2:8402
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
states server 0.0.0.0:8402>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> CLOSED
states server 10.0.0.2:8401>exitclient.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> CLOSED
states server 10.0.0.2:8402>ignclient.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> CLOSED
