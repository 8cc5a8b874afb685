# tcpsim linux signature  scenario server-send-close-then-client-send  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 7 = 7
  recv fd 3: 3000 bytes
  recv fd 3 65536 = 0
  close fd 3 = 0
calls client/fastclient
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 7 = 7
  recv fd 3: 3000 bytes
  recv fd 3 65536 = 0
  close fd 3 = 0
calls server/fastserver
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  send fd 4 3000 = 3000
  close fd 4 = 0
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  send fd 4 3000 = 3000
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  client client.s>10.0.0.2:8400
  client fastclient.s>10.0.0.2:8401
link rst-sent
  server 10.0.0.2:8400>client.s closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
  server 10.0.0.2:8401>fastclient.s closed by its application: TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET
process client/client
  start 0
  exit 0
process client/fastclient
  start 0
  exit 0
process server/fastserver
  start 0
  exit 0
process server/server
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-8
segments client>server fastclient.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-8
  F.   seq 8 ack 3002 len 0 delivered
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-3001
  F.   seq 3001 ack 1 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8401>fastclient.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-3001
  F.   seq 3001 ack 1 len 0 delivered
  R    (a socket that is gone answers)
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> CLOSED
states client fastclient.s>10.0.0.2:8401
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
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
states server 10.0.0.2:8401>fastclient.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
