# Issue 15: hilink-online with the E3372 HiLink's RNDIS firmware (rndis_host).
# vm-timeout: 300
HILINK_RNDIS=1
. /vm/scenarios/hilink-online.sh
