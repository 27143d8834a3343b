# Issue 7 (2): the network hands out the bogus DNS servers 10.11.12.13/10.11.12.14 on
# the first connection and good ones after. Once the link is up, the dnsguard
# hotplug script (files/etc/hotplug.d/iface/30-umodem-dnsguard, run with ACTION=ifup
# by the ppp-up stand-in, as netifd does) sees the bogus servers and reconnects once
# (ifdown/ifup); the second connection gets good DNS and the guard is satisfied.
# The guard's first delay is cut from 30 s to 1 s with its UMODEM_DNSGUARD_DELAY knob.
. /vm/lib.sh
. /vm/netifd.sh

# The network side: bogus DNS on its first call, good DNS on every later one.
NET='if [ -f /tmp/net.calls ]; then D="80.251.201.177 ms-dns 80.251.201.178"; else D="10.11.12.13 ms-dns 10.11.12.14"; fi
echo "call with ms-dns $D" >>/tmp/net.calls
exec unshare -n pppd notty passive noauth nodetach nodefaultroute 10.64.64.64:95.209.96.115 ms-dns $D logfile /tmp/ppp-network.log'
umodem-gadget e367 --no-pin --control /tmp/e367.ctl --reg-delay-ms 500 --ppp-cmd "$NET" \
	>/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2

echo "network.wan=interface
network.wan.proto='umodem'" >/tmp/uci
echo "export UMODEM_DNSGUARD_DELAY=1" >/vm/netifd.env
netifd_up wan '{"apn":"bredband.tre.se","maxwait":30}' >/tmp/netifd-run.log 2>&1 &
BOGUS="ppp-up wan umodem-wan ip=95.209.96.115 peer=10.64.64.64 dns=10.11.12.13 10.11.12.14"
GOOD="ppp-up wan umodem-wan ip=95.209.96.115 peer=10.64.64.64 dns=80.251.201.177 80.251.201.178"
wait_for "first connection up with the bogus DNS" 90 grep -qx "$BOGUS" /tmp/netifd.log
wait_for "the guard saw them and scheduled one reconnect" 20 grep -q "umodem: wan: network gave bogus DNS 10.11.12.13 10.11.12.14; reconnect 1 of 3 in 1s" /tmp/syslog.log
wait_for "the guard reconnected" 20 grep -q "umodem: wan: reconnecting for bogus DNS" /tmp/syslog.log
wait_for "second connection up with good DNS" 90 grep -qx "$GOOD" /tmp/netifd.log
wait_for "the guard is satisfied" 20 grep -q "umodem: wan: DNS servers 80.251.201.177 80.251.201.178 look right after 1 reconnect(s)" /tmp/syslog.log
check "ifdown then ifup, once" eq "ifdown wan ifup wan" sh -c "grep -E '^if(up|down) ' /tmp/netifd.log | tr '\n' ' ' | sed 's/ $//'"
check "two setups" eq 2 grep -c "^setup wan$" /tmp/netifd.log
check "the network side saw two calls" eq 2 grep -c "^call with" /tmp/net.calls
check "one reconnect, no more" eq 1 grep -c "reconnecting for bogus DNS" /tmp/syslog.log
check "resolver file has the good DNS" eq "# Interface wan nameserver 80.251.201.177 nameserver 80.251.201.178" val /tmp/resolv.conf.d/resolv.conf.auto
check "the guard's retry count is cleared" not test -e /tmp/umodem/dnsguard.wan
check "the link is up" sh -c 'ip -4 addr show dev umodem-wan | grep -q "inet 95.209.96.115 peer 10.64.64.64/32"'
check "no error reported" not grep -q "^proto_notify_error" /tmp/netifd.log
