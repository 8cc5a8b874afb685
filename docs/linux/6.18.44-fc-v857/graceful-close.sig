# tcpsim linux signature  scenario graceful-close  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 14 = 14
  recv fd 3: 31 bytes
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 14 bytes
  send fd 4 31 = 31
  recv fd 4 256 = 0
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link socket-at-end
  client client.s>10.0.0.2:8400 TIME-WAIT
process client/client
  start 0
  exit 0
process server/server
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-15
  F.   seq 15 ack 32 len 0 delivered
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-32
  F.   seq 32 ack 16 len 0 delivered
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
