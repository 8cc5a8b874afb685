# tcpsim linux signature  scenario server-host-shutdown  kernel 6.18.44-fc-v857
calls client/client_plain
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 100 = 100
  recv fd 3: 50 bytes
  recv fd 3 256 = 0
  close fd 3 = 0
calls client/client_polite
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8402 = 0
  send fd 3 100 = 100
  recv fd 3: 54 bytes
  recv fd 3 256 = 0
  close fd 3 = 0
calls client/client_stubborn
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 100 = 100
  recv fd 3: 50 bytes
  recv fd 3 256 = 0
  close fd 3 = 0
calls server/plain
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 50 = 50
calls server/polite
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8402 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 50 = 50
  recv fd 4 256 = -1 EINTR
  send fd 4 4 = 4
  close fd 4 = 0
  close fd 3 = 0
calls server/stubborn
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 50 = 50
host client
  up
host server
  up
  shutdown
  down
process client/client_plain
  start 0
  exit 0
process client/client_polite
  start 0
  exit 0
process client/client_stubborn
  start 0
  exit 0
process server/plain
  start 0
  signal SIGTERM terminate
  killed 143
process server/polite
  start 0
  signal SIGTERM handled
  exit 0
process server/stubborn
  start 0
  signal SIGKILL terminate
  killed 137
segments client>server client_plain.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-101
  F.   seq 101 ack 52 len 0 delivered
segments client>server client_polite.s>10.0.0.2:8402
  S    seq 0 ack 0 len 0 delivered
  data 1-101
  F.   seq 101 ack 56 len 0 delivered
segments client>server client_stubborn.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-101
  F.   seq 101 ack 52 len 0 delivered
segments server>client 10.0.0.2:8400>client_plain.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-51
  F.   seq 51 ack 101 len 0 delivered
segments server>client 10.0.0.2:8401>client_stubborn.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-51
  F.   seq 51 ack 101 len 0 delivered
segments server>client 10.0.0.2:8402>client_polite.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-55
  F.   seq 55 ack 101 len 0 delivered
states client client_plain.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
states client client_polite.s>10.0.0.2:8402
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
states client client_stubborn.s>10.0.0.2:8401
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
states server 0.0.0.0:8402>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 10.0.0.2:8400>client_plain.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states server 10.0.0.2:8401>client_stubborn.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states server 10.0.0.2:8402>client_polite.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
