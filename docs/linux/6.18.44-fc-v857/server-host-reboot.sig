# tcpsim linux signature  scenario server-host-reboot  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = 0
  send fd 3 100 = 100
  recv fd 3: 50 bytes
  send fd 3 100 = 100
  recv fd 3 256 = -1 ECONNRESET
  close fd 3 = 0
calls server/server
  socket fd -1 = 3
  bind fd 3 0.0.0.0:8400 = 0
  listen fd 3 4 = 0
  accept fd 3 = 4
  recv fd 4: 100 bytes
  send fd 4 50 = 50
host client
  up
host server
  up
  crash
  reboot
  up
link rst-received
  client client.s>10.0.0.2:8400
link rst-sent
  server 10.0.0.2:8400>client.s in UNKNOWN: NO_SOCKET
process client/client
  start 0
  exit 0
process server/server
  start 0
  killed 137
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
  data 1-201
segments server>client 10.0.0.2:8400>client.s
  S.   seq 0 ack 1 len 0 delivered
  data 1-51
  R    (a socket that is gone answers)
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> ESTABLISHED
  ESTABLISHED -> CLOSED
states server 0.0.0.0:8400>*
  CLOSED -> LISTEN
  LISTEN -> CLOSED
states server 0.0.0.0:8400>0.0.0.0:0
  CLOSED -> CLOSED
states server 10.0.0.2:8400>client.s
  LISTEN -> SYN_RCVD
  SYN_RCVD -> ESTABLISHED
  ESTABLISHED -> CLOSED
