# tcpsim linux signature  scenario connect-refused  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = -1 ECONNREFUSED
  close fd 3 = 0
host client
  up
host server
  up
link rst-received
  client client.s>10.0.0.2:8400
link rst-sent
  server 10.0.0.2:8400>client.s in UNKNOWN: NO_SOCKET
process client/client
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 delivered
segments server>client 10.0.0.2:8400>client.s
  R.   seq 0 ack 1 len 0 delivered
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> CLOSED
