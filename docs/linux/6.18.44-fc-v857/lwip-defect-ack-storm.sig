# tcpsim linux signature  scenario lwip-defect-ack-storm  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 30000 = 30000
  shutdown fd 3 SHUT_WR = 0
  recv fd 3: 30000 bytes
  recv fd 3 65536 = 0
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 8 = 0
  accept fd 3 = 4
  send fd 4 30000 = 30000
  shutdown fd 4 SHUT_WR = 0
  recv fd 4: 30000 bytes
  recv fd 4 65536 = 0
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link socket-at-end
  client client.s>10.0.0.2:8400 TIME-WAIT
  server 10.0.0.2:8400>client.s TIME-WAIT
process client/client
  start 0
  exit 0
process server/server
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-30001
  F.   seq 30001 ack 30001 len 0 delivered
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-30001
  F.   seq 30001 ack 30001 len 0 delivered
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> CLOSING
  CLOSING -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> CLOSING
  CLOSING -> CLOSING
  CLOSING -> CLOSED
