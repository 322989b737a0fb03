//go:build recorder

package server

// The CRI plugin's config as containerd 1.6.20 loads it: a config.toml through srvconfig.LoadConfig
// (over the daemon's defaults), the plugin's table decoded onto DefaultConfig by plugin
// registration, ValidatePluginConfig, and the result as Status' verbose info shows it
// (json.Marshal of criconfig.Config). Replayed by golden/go/replay/criconfig.test.ts against
// parseCriConfig + criConfigJson.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/containerd/containerd/plugin"
	srvconfig "github.com/containerd/containerd/services/server/config"

	criconfig "github.com/containerd/containerd/pkg/cri/config"
)

func loadCRIConfig(t *testing.T, text string) (string, error) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	config := &srvconfig.Config{
		Version: 1,
		Root:    "/var/lib/containerd",
		State:   "/run/containerd",
		GRPC:    srvconfig.GRPCConfig{Address: "/run/containerd/containerd.sock"},
	}
	if err := srvconfig.LoadConfig(path, config); err != nil {
		return "", fmt.Errorf("%s", strings.ReplaceAll(err.Error(), path, "config.toml"))
	}
	pluginConfig := criconfig.DefaultConfig()
	reg := &plugin.Registration{Type: plugin.GRPCPlugin, ID: "cri", Config: &pluginConfig}
	if _, err := config.Decode(reg); err != nil {
		return "", err
	}
	if err := criconfig.ValidatePluginConfig(context.Background(), &pluginConfig); err != nil {
		return "", fmt.Errorf("invalid plugin config: %w", err)
	}
	root := filepath.Join(config.Root, reg.URI())
	c := criconfig.Config{
		PluginConfig:       pluginConfig,
		ContainerdRootDir:  filepath.Dir(root),
		ContainerdEndpoint: config.GRPC.Address,
		RootDir:            root,
		StateDir:           filepath.Join(config.State, reg.URI()),
	}
	b, err := json.Marshal(c)
	return string(b), err
}

const criV2 = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"

func criConfigCases() []string {
	cases := []string{
		"",
		"version = 2\n",
		"version = 1\n",
		criV2,
		"[plugins.cri]\nsandbox_image = \"v1/pause:1\"\n",
		"version = 1\n[plugins.cri]\nsandbox_image = \"v1/pause:1\"\n",
		"[plugins.\"io.containerd.grpc.v1.cri\"]\nsandbox_image = \"ignored\"\n",
		"version = 2\n[plugins.cri]\nsandbox_image = \"x\"\n",
		"version = 2\ndisabled_plugins = [\"cri\"]\n",
		"version = 2\nrequired_plugins = [\"io.containerd.grpc.v1.cri\", \"x.y\"]\n",
		"version = 2\nroot = \"/data/root\"\nstate = \"/data/state\"\n[grpc]\naddress = \"/data/c.sock\"\n",
		"version = 2\nroot = \"\"\n",
		criV2 + "sandbox_image = \"example.com/pause:9\"\nmax_container_log_line_size = 100\nrestrict_oom_score_adj = true\n",
		criV2 + "sandbox_image = 1\n",
		criV2 + "enable_selinux = \"yes\"\n",
		criV2 + "max_container_log_line_size = 1.5\n",
		criV2 + "max_container_log_line_size = -1\n",
		criV2 + "stats_collect_period = true\n",
		criV2 + "SANDBOX_IMAGE = \"upper\"\n",
		criV2 + "Sandbox_image = \"title\"\n",
		criV2 + "snapshotter = \"native\"\n",
		criV2 + "conf_dir = \"/cni\"\nbin_dir = \"/bin\"\n",
		criV2 + "key_model = \"other\"\n",
		criV2 + "tls_cert_file = \"/c\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\nsnapshotter = \"native\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\ndefault_runtime_name = \"\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\ndefault_runtime_name = \"nope\"\n",
		criV2 + "systemd_cgroup = true\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\nno_pivot = true\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata]\nruntime_type = \"io.containerd.kata.v2\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runc.v2\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runc.v2\"\npod_annotations = [\"a/*\"]\ncontainer_annotations = []\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\nSystemdCgroup = true\nIoUid = 5\nRatio = 1.5\nNested = { a = 1, b = [1, 2] }\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runc.v2\"\nruntime_engine = \"x\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runc.v2\"\nruntime_root = \"/r\"\n",
		criV2 + "systemd_cgroup = true\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runtime.v1.linux\"\nruntime_engine = \"/usr/bin/runc\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime]\nruntime_type = \"io.containerd.runc.v1\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.untrusted_workload_runtime]\nruntime_type = \"io.containerd.kata.v2\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.untrusted_workload_runtime]\nruntime_type = \"u\"\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.untrusted]\nruntime_type = \"u\"\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runc.v2\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"/certs.d\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\nendpoint = [\"https://m\"]\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\nendpoint = [\"https://m\"]\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"/certs.d\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r\".tls]\ninsecure_skip_verify = true\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r\".tls]\ninsecure_skip_verify = true\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r\".auth]\nusername = \"u\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".registry.auths.\"https://r.example:5000/v2\"]\nusername = \"u\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".registry.auths.\"r.example\"]\nauth = \"dTpw\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".registry.auths.\":bad\"]\nusername = \"u\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".registry.headers]\nX-A = [\"1\", \"2\"]\n",
		criV2 + "stream_idle_timeout = \"4x\"\n",
		criV2 + "stream_idle_timeout = \"4\"\n",
		criV2 + "stream_idle_timeout = \"h\"\n",
		criV2 + "stream_idle_timeout = \"\"\n",
		criV2 + "stream_idle_timeout = \"1.5h30m\"\n",
		criV2 + "stream_idle_timeout = \"-2m\"\n",
		criV2 + "sandbox_image = \"a<b>&c\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".cni]\nconf_template = \"/t\"\nip_pref = \"ipv6\"\nmax_conf_num = 0\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\nsnapshotter = 5\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\npod_annotations = \"x\"\n",
		criV2 + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\npod_annotations = [1]\n",
		"version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"\n",
		"version = \"2\"\n",
	}
	for _, d := range []string{"0", "1ns", "1us", "1µs", "1ms", "1s", "1m", "1h", ".5s", "1.s", "1.5.5s", "+1s", "-0", "1h1m1s1ms1us1ns", "9223372036854775807ns", "9223372036854775808ns", "2562047h", "2562048h", "1d", "1 s", "s1"} {
		cases = append(cases, criV2+"stream_idle_timeout = \""+d+"\"\n")
	}
	return cases
}

// generatedCriConfig builds a config of random keys, mostly with values of the right type and now
// and then a wrong one, no key twice.
func generatedCriConfig(g *gen) string {
	scalarKeys := map[string]string{
		"sandbox_image": "string", "stream_server_address": "string", "stream_server_port": "string", "enable_selinux": "bool",
		"selinux_category_range": "int", "stats_collect_period": "int", "enable_tls_streaming": "bool",
		"max_container_log_line_size": "int", "disable_cgroup": "bool", "disable_apparmor": "bool",
		"restrict_oom_score_adj": "bool", "max_concurrent_downloads": "int", "disable_proc_mount": "bool",
		"unset_seccomp_profile": "string", "tolerate_missing_hugetlb_controller": "bool", "disable_hugetlb_controller": "bool",
		"device_ownership_from_security_context": "bool", "ignore_image_defined_volumes": "bool",
		"netns_mounts_under_state_dir": "bool", "enable_unprivileged_ports": "bool", "enable_unprivileged_icmp": "bool",
		"disable_tcp_service": "bool", "unknown_key": "string", "snapshotter": "string", "conf_dir": "string",
	}
	keys := make([]string, 0, len(scalarKeys))
	for k := range scalarKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	anyValue := func() string {
		switch g.intn(6) {
		case 0:
			return "true"
		case 1:
			return fmt.Sprint(g.intn(100000) - 50)
		case 2:
			return fmt.Sprint(float64(g.intn(1000)) / 8)
		case 3:
			return "[\"a\", \"b\"]"
		default:
			return fmt.Sprintf("%q", g.stringFrom(concat(lowerAlnum, refPunct, []string{"<", "&", " "}), 12))
		}
	}
	valueOf := func(kind string) string {
		if g.intn(8) == 0 {
			return anyValue()
		}
		switch kind {
		case "bool":
			return g.pick("true", "false")
		case "int":
			return fmt.Sprint(g.intn(100000) - 50)
		default:
			return fmt.Sprintf("%q", g.stringFrom(concat(lowerAlnum, refPunct, []string{"<", "&", " "}), 12))
		}
	}
	var b strings.Builder
	b.WriteString(criV2)
	used := map[string]bool{}
	for i, n := 0, g.intn(6); i < n; i++ {
		k := keys[g.intn(len(keys))]
		if used[k] {
			continue
		}
		used[k] = true
		fmt.Fprintf(&b, "%s = %s\n", k, valueOf(scalarKeys[k]))
	}
	if g.intn(2) == 0 {
		b.WriteString("[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n")
		if g.intn(2) == 0 && !used["snapshotter"] {
			fmt.Fprintf(&b, "snapshotter = %s\n", valueOf("string"))
		}
		if g.intn(3) == 0 {
			fmt.Fprintf(&b, "discard_unpacked_layers = %s\n", valueOf("bool"))
		}
		names := []string{"runc", "kata", "gvisor"}
		for _, name := range names[:g.intn(3)+1] {
			fmt.Fprintf(&b, "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.%s]\n", name)
			fmt.Fprintf(&b, "runtime_type = %q\n", g.pick("io.containerd.runc.v2", "io.containerd.runc.v1", "io.containerd.runtime.v1.linux", "io.containerd.kata.v2"))
			if g.intn(2) == 0 {
				fmt.Fprintf(&b, "pod_annotations = [%q]\n", g.pick("a/*", "*", "io.kubernetes.cri.*"))
			}
			if g.intn(3) == 0 {
				fmt.Fprintf(&b, "privileged_without_host_devices = %s\n", valueOf("bool"))
			}
			if g.intn(2) == 0 {
				fmt.Fprintf(&b, "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.%s.options]\n", name)
				seen := map[string]bool{}
				for j, m := 0, g.intn(4); j < m; j++ {
					k := g.pick("SystemdCgroup", "BinaryName", "Root", "IoUid", "NoPivotRoot", "X")
					if seen[k] {
						continue
					}
					seen[k] = true
					fmt.Fprintf(&b, "%s = %s\n", k, anyValue())
				}
			}
		}
	}
	return b.String()
}

func TestRecordCriconfig(t *testing.T) {
	r := newRecording("criconfig")
	// Go walks maps (runtimes, registry tables) in random order, so with two bad entries which one
	// is reported varies; such cases are left out: each is loaded nine times and kept only if the
	// outcome never changes.
	skipped := 0
	record := func(text string) {
		out, err := loadCRIConfig(t, text)
		for i := 0; i < 8; i++ {
			again, againErr := loadCRIConfig(t, text)
			if again != out || fmt.Sprint(againErr) != fmt.Sprint(err) {
				skipped++
				return
			}
		}
		r.result("loadCriConfig", gs(text), out, err)
	}
	for _, text := range criConfigCases() {
		record(text)
	}
	g := newGen(1601)
	for i := 0; i < 400; i++ {
		record(generatedCriConfig(g))
	}
	t.Logf("left out %d cases whose outcome depends on Go's map order", skipped)
	r.write(t)
}
