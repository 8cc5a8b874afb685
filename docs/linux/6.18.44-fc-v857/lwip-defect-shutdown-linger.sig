# tcpsim linux signature  scenario lwip-defect-shutdown-linger  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 8 = 0
  accept fd 3 = 4
  send fd 4 15 = 15
  setsockopt fd 4 SO_LINGER {1, 1} = 0
  shutdown fd 4 SHUT_RDWR = 0
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  server 10.0.0.2:8400>client.s
link rst-sent
  client client.s>10.0.0.2:8400 closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
process client/client
  start 0
  exit 0
process server/server
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  F.   seq 1 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-16
  F.   seq 16 ack 2 len 0 delivered
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
