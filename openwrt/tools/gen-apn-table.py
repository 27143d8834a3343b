#!/usr/bin/env python3
"""Build umodem's APN table from mobile-broadband-provider-info.

usage: gen-apn-table.py [SERVICEPROVIDERS_XML] > apn.tsv

One row per network, sorted, grouped by country: a line ":MCC" starts the
networks of a country, then "MNC<TAB>APN[<TAB>USERNAME[<TAB>PASSWORD]]" (trailing
empty fields left out), or a bare "MNC" when the APN, username and password are
the row above's. The MNC is written as the data spells it, so 2- and 3-digit
MNCs stay apart ("02", "410"); the lookup tries the IMSI's first 6 digits
(MCC + 3-digit MNC), then its first 5. The grouping and the bare rows make the
table a quarter smaller raw and a tenth smaller compressed than one full
MCCMNC row per network.

Which APN a network gets, when several providers or APNs list it: GSM APNs
whose usage is "internet" (an APN without any usage element counts too, after
those); among them one of a provider marked primary="true", else one of the
provider listing the most networks (the network's own operator, as a rule,
rather than a reseller on it), else the first in the file. An IMSI cannot tell
resellers on one network apart: set option apn for those. Standard library only (it runs on the build host).
"""

import sys
import xml.etree.ElementTree as ET

DEFAULT = "/usr/share/mobile-broadband-provider-info/serviceproviders.xml"


def clean(text):
    """One field: no tabs or line breaks, no surrounding blanks."""
    return " ".join((text or "").split())


def apn_rank(apn):
    usages = [u.get("type") for u in apn.findall("usage")]
    if "internet" in usages:
        return 0
    if not usages:
        return 1
    return None  # mms, wap: never for the data connection


def main(argv):
    path = argv[1] if len(argv) > 1 else DEFAULT
    root = ET.parse(path).getroot()
    best = {}  # mccmnc -> (rank tuple, fields)
    order = 0
    for provider in root.iter("provider"):
        primary = 0 if provider.get("primary") == "true" else 1
        for gsm in provider.findall("gsm"):
            nets = []
            for nid in gsm.findall("network-id"):
                mcc, mnc = nid.get("mcc", ""), nid.get("mnc", "")
                if mcc.isdigit() and mnc.isdigit() and len(mcc) == 3 and len(mnc) in (2, 3):
                    nets.append(mcc + mnc)
            for apn in gsm.findall("apn"):
                rank = apn_rank(apn)
                value = clean(apn.get("value"))
                if rank is None or not value:
                    continue
                order += 1
                fields = [value, clean(apn.findtext("username")), clean(apn.findtext("password"))]
                while fields and not fields[-1]:
                    fields.pop()
                key = (rank, primary, -len(nets), order)
                for net in nets:
                    if net not in best or key < best[net][0]:
                        best[net] = (key, fields)
    out = sys.stdout
    mcc = prev = None
    for net in sorted(best):
        fields = best[net][1]
        if net[:3] != mcc:
            mcc = net[:3]
            out.write(":" + mcc + "\n")
        out.write(net[3:] + ("" if fields == prev else "\t" + "\t".join(fields)) + "\n")
        prev = fields
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
