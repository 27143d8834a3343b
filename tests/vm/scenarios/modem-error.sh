# vm-timeout: 260
# Issue 12: the virtual E367 answers ERROR to every AT command (the model's control
# line `error *`). The handler's setup reports MODEM_ERROR each time; netifd (the loop of
# tests/vm/netifd.sh, which runs setup again at once, as the real one does) gets no
# storm: over 2 minutes the handler runs setup at most 8 times and logs each wait,
# and the waits grow (5 s, 10 s, 20 s, 40 s). pppd never starts.
. /vm/lib.sh
. /vm/netifd.sh

umodem-gadget e367 --no-pin --ctl "error *" --control /tmp/e367.ctl --reg-delay-ms 500 \
	>/tmp/gadget.out 2>/tmp/gadget.log &
wait_for "12d1:1446 appears" 30 is_usbdev 12d1 1446
switch_stick
wait_for "ttyUSB0..2 exist" 60 test -c /dev/ttyUSB0 -a -c /dev/ttyUSB1 -a -c /dev/ttyUSB2
check "the stick answers ERROR to AT" sh -c '. /vm/lib.sh; at /dev/ttyUSB2 AT | grep -qx ERROR'

echo "network.wan=interface
network.wan.proto='umodem'" >/tmp/uci
netifd_up wan '{"apn":"bredband.tre.se","maxwait":30}' 100 >/tmp/netifd-run.log 2>&1 &
wait_for "the first setup ran" 60 grep -qx "setup wan" /tmp/netifd.log
t0=$(cut -d. -f1 /proc/uptime)
echo "    first setup at ${t0} s; watching for 120 s"
while [ "$(cut -d. -f1 /proc/uptime)" -lt $((t0 + 120)) ]; do sleep 1; done
n=$(grep -c "^setup wan$" /tmp/netifd.log)
e=$(grep -c "^proto_notify_error wan MODEM_ERROR$" /tmp/netifd.log)
echo "    $n setups in 120 s ($e failed, the last may still wait); waits: $(sed -n 's/.*waiting \([0-9]*s\)$/\1/p' /tmp/syslog.log | tr '\n' ' ')"
netifd_stop wan
check "at most 8 setups in 2 minutes ($n)" test "$n" -le 8
check "more than one: netifd retried" test "$n" -ge 2
check "each setup that got to the modem reported MODEM_ERROR" test "$e" -ge $((n - 1))
check "the handler said why" grep -q "umodem: wan: setup failed: MODEM_ERROR" /tmp/syslog.log
check "it logged its first wait" grep -q "umodem: wan: 1 failed attempt(s) in a row (last: MODEM_ERROR), waiting 5s" /tmp/syslog.log
check "the waits grow: 5 s, 10 s, 20 s, 40 s" eq "5s 10s 20s 40s" sh -c "sed -n 's/.*waiting \([0-9]*s\)\$/\1/p' /tmp/syslog.log | head -n 4 | tr '\n' ' ' | sed 's/ \$//'"
check "restart not blocked (the modem may recover)" not grep -q "^proto_block_restart" /tmp/netifd.log
check "pppd never started" not grep -q "^proto_run_command" /tmp/netifd.log
wait_for "the loop ended" 90 grep -q "^netifd-loop wan ended" /tmp/netifd.log
