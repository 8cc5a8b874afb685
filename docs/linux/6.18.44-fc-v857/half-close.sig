# tcpsim linux signature  scenario half-close  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 14 = 14
  shutdown fd 3 SHUT_WR = 0
  recv fd 3: 20000 bytes
  recv fd 3 65536 = 0
  close fd 3 = 0
calls client/slowclient
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 15 = 15
  shutdown fd 3 SHUT_WR = 0
  recv fd 3: 2000 bytes
  recv fd 3 65536 = 0
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 14 bytes
  recv fd 4 256 = 0
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  send fd 4 2000 = 2000
  close fd 4 = 0
  close fd 3 = 0
calls server/slowserver
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 15 bytes
  recv fd 4 256 = 0
  send fd 4 2000 = 2000
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link socket-at-end
  client client.s>10.0.0.2:8400 TIME-WAIT
  client slowclient.s>10.0.0.2:8401 TIME-WAIT
process client/client
  start 0
  exit 0
process client/slowclient
  start 0
  exit 0
process server/server
  start 0
  exit 0
process server/slowserver
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-15
  F.   seq 15 ack 1 len 0 delivered
segments client>server slowclient.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-16
  F.   seq 16 ack 1 len 0 delivered
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-20001
  F.   seq 20001 ack 16 len 0 delivered
segments server>client 10.0.0.2:8401>slowclient.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-2001
  F.   seq 2001 ack 17 len 0 delivered
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states client slowclient.s>10.0.0.2:8401
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
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
states server 10.0.0.2:8401>slowclient.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
