//go:build recorder

package server

// UpdateRuntimeConfig's pod CIDR handling in containerd v1.6.20: the CIDR list split on commas and
// trimmed, then getRoutes (net.ParseCIDR, an IPv4 and/or IPv6 default route). Replayed by
// golden/go/replay/podcidr.test.ts against src/cri/server/update-runtime-config.ts.

import (
	"strings"
	"testing"
)

func TestRecordPodcidr(t *testing.T) {
	r := newRecording("podcidr")
	record := func(podCIDRs string) {
		cidrs := strings.Split(podCIDRs, ",")
		for i := range cidrs {
			cidrs[i] = strings.TrimSpace(cidrs[i])
		}
		routes, err := getRoutes(cidrs)
		r.result("getRoutes", gs(podCIDRs), routes, err)
	}
	for _, s := range []string{
		"10.88.0.0/16", "10.0.0.0/8, fd00::/64", "fd00::/64,10.0.0.0/8", "::/0", "0.0.0.0/0", "::ffff:10.0.0.0/104",
		"::ffff:10.0.0.0/64", "::ffff:0:0/96", "10.0.0.0/016", "10.0.0.0", "10.0.0.0/33", "010.0.0.0/8", "10.0.0/8",
		"::1::/64", "fe80::1%eth0/64", "1.2.3.4/-1", "1.2.3.4/ 8", "", " ", ",", "10.0.0.0/8,", "not a cidr",
		"1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6:7:8:9/64", "1:2:3:4:5:6:7::/64", "::1.2.3.4/120", "1::1.2.3.4/120",
		"1.2.3.4.5/8", "256.0.0.0/8", "1.2.3.4/16777215", "1.2.3.4/999999999", "::/129", "FD00::/8", "fd00::ffff:1.2.3.4/128",
		"1.2.3.04/8", "0x1.2.3.4/8", "1.2.3.4/8\t", "\t1.2.3.4/8", "12345::/16", "::12345/16", ":/0", ":::/0", "1:/0", ":1/0",
	} {
		record(s)
	}
	g := newGen(1604)
	pieces := []string{"0", "1", "9", "10", "255", "256", "00", ".", ".", ":", "::", "/", "/", "8", "16", "32", "64", "128", "a", "f", "ffff", " ", ","}
	for i := 0; i < 800; i++ {
		record(g.stringFrom(pieces, 12))
	}
	r.write(t)
}
