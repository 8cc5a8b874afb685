# tcpsim linux signature  scenario connect-unreachable-net  kernel 6.18.44-fc-v857
calls client/client
  socket fd -1 = 3
  connect fd 3 10.0.0.2:8400 = -1 ENETUNREACH
  close fd 3 = 0
host client
  up
host server
  up
link icmp
  router 10.0.0.254 > client: ICMP network unreachable
link rule
  client>server: router 10.0.0.254 answers ICMP network unreachable
process client/client
  start 0
  exit 0
segments client>server client.s>10.0.0.2:8400
  S    seq 0 ack 0 len 0 dropped:unreachable
states client client.s>10.0.0.2:8400
  CLOSED -> SYN_SENT
  SYN_SENT -> CLOSED
