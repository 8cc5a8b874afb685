# tcpsim linux signature  scenario lingering-close  kernel 6.18.44-fc-v857
calls client/client_drain
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8401 = 0
  send fd 3 200 = 200
  send fd 3 4000 = 4000
  recv fd 3: 100 bytes
  recv fd 3 256 = 0
  close fd 3 = 0
calls client/client_plain
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 200 = 200
  send fd 3 4000 = 4000
  recv fd 3: 100 bytes
  recv fd 3 256 = -1 ECONNRESET
  close fd 3 = 0
calls client/client_slow
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8402 = 0
  send fd 3 200 = 200
  send fd 3 4000 = 4000
  recv fd 3: 100 bytes
  recv fd 3 256 = 0
  close fd 3 = 0
calls server/server_drain
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8401 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 200 bytes
  send fd 4 100 = 100
  shutdown fd 4 SHUT_WR = 0
  setsockopt fd 4 SO_RCVTIMEO 5000 = 0
  recv fd 4: 4000 bytes
  recv fd 4 65536 = 0
  close fd 4 = 0
  close fd 3 = 0
calls server/server_plain
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 200 bytes
  send fd 4 100 = 100
  close fd 4 = 0
  close fd 3 = 0
calls server/server_timeout
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8402 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 200 bytes
  send fd 4 100 = 100
  shutdown fd 4 SHUT_WR = 0
  setsockopt fd 4 SO_RCVTIMEO 5000 = 0
  recv fd 4: 4000 bytes
  recv fd 4 65536 = -1 EAGAIN
  close fd 4 = 0
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  client client_plain.s>10.0.0.2:8400
link rst-sent
  server 10.0.0.2:8400>client_plain.s in TCP_CLOSE: TCP_ABORT_ON_CLOSE
link socket-at-end
  server 10.0.0.2:8401>client_drain.s TIME-WAIT
  server 10.0.0.2:8402>client_slow.s TIME-WAIT
process client/client_drain
  start 0
  exit 0
process client/client_plain
  start 0
  exit 0
process client/client_slow
  start 0
  exit 0
process server/server_drain
  start 0
  exit 0
process server/server_plain
  start 0
  exit 0
process server/server_timeout
  start 0
  exit 0
segments client>server client_drain.s>10.0.0.2:8401
  S    seq 0 ack 0 len 0 delivered
  data 1-4201
  F.   seq 4201 ack 102 len 0 delivered
segments client>server client_plain.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-4201
segments client>server client_slow.s>10.0.0.2:8402
  S    seq 0 ack 0 len 0 delivered
  data 1-4201
  F.   seq 4201 ack 102 len 0 delivered
segments server>client 10.0.0.2:8400>client_plain.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-101
  R.   seq 101 ack 4201 len 0 delivered
  R    (a socket that is gone answers)
segments server>client 10.0.0.2:8401>client_drain.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-101
  F.   seq 101 ack 4201 len 0 delivered
segments server>client 10.0.0.2:8402>client_slow.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-101
  F.   seq 101 ack 4201 len 0 delivered
states client client_drain.s>10.0.0.2:8401
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSE_WAIT
  CLOSE_WAIT -> LAST_ACK
  LAST_ACK -> CLOSED
states client client_plain.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states client client_slow.s>10.0.0.2:8402
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
  ESTABLISHED -> CLOSED
states server 10.0.0.2:8401>client_drain.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
states server 10.0.0.2:8402>client_slow.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> FIN_WAIT_1
  FIN_WAIT_1 -> FIN_WAIT_2
  FIN_WAIT_2 -> FIN_WAIT_2
  FIN_WAIT_2 -> CLOSED
