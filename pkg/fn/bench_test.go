package fn_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/fn"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// BenchmarkFn compares the function with a kyaml framework function that does nothing, on the
// same 10,000-item ResourceList (the shape of bench/gentree's workloads: Deployments,
// StatefulSets, Jobs, CronJobs and Pods of 30-45 lines in 50 namespaces, two in three pulling
// from the registry). Both include reading and writing the ResourceList, as a real run does;
// acrgen also patches 6,667 workloads, encrypts 50 new Secrets and writes 6,718 results.
// Target: acrgen ≤ 1.3× noop. Besides wall time (ns/op) it reports the CPU time of the
// process (cpu-ns/op, GC included), which other load on the machine disturbs far less.
//
//	go test ./pkg/fn -run '^$' -bench BenchmarkFn -benchtime 1x -benchmem -count 6 | benchstat -col /sub -
func BenchmarkFn(b *testing.B) {
	input := benchInput(10000, 50, 3)
	dir := b.TempDir()
	opts := testOptions(dir)
	b.Run("acrgen", func(b *testing.B) { benchProcessor(b, input, fn.Processor(opts)) })
	b.Run("noop", func(b *testing.B) {
		benchProcessor(b, input, framework.ResourceListProcessorFunc(func(*framework.ResourceList) error { return nil }))
	})
}

func benchProcessor(b *testing.B, input []byte, p framework.ResourceListProcessor) {
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	// One untimed run first: the runtime keeps the memory of a run for the next, so without
	// it whichever variant runs first would pay for the process's page faults.
	if err := framework.Execute(p, &kio.ByteReadWriter{Reader: bytes.NewReader(input), Writer: io.Discard, KeepReaderAnnotations: true}); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	n := 0
	for b.Loop() {
		rw := &kio.ByteReadWriter{Reader: bytes.NewReader(input), Writer: io.Discard, KeepReaderAnnotations: true}
		if err := framework.Execute(p, rw); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if used := cpuTime() - cpu; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(n), "cpu-ns/op")
	}
}

// benchInput is a ResourceList of n workloads in ns namespaces; every hitEvery-th workload
// pulls only public images, the others pull from myregistry.azurecr.io.
func benchInput(n, ns, hitEvery int) []byte {
	var sb strings.Builder
	sb.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	kinds := []struct{ api, kind, path string }{
		{"apps/v1", "Deployment", "spec.template.spec"},
		{"apps/v1", "StatefulSet", "spec.template.spec"},
		{"batch/v1", "Job", "spec.template.spec"},
		{"batch/v1", "CronJob", "spec.jobTemplate.spec.template.spec"},
		{"v1", "Pod", "spec"},
	}
	for i := range n {
		k := kinds[i%len(kinds)]
		image := fmt.Sprintf("myregistry.azurecr.io/team-%d/app-%d:1.%d.0", i%7, i%13, i%5)
		if i%hitEvery == 0 {
			image = fmt.Sprintf("docker.io/library/app-%d:1.%d", i%13, i%5)
		}
		sb.WriteString(benchWorkload(k.api, k.kind, k.path, fmt.Sprintf("app-%05d", i), fmt.Sprintf("ns-%02d", i%ns), image, i))
	}
	fmt.Fprintf(&sb, `functionConfig:
  apiVersion: %s
  kind: %s
  metadata:
    name: bench
  spec:
    registries: [myregistry]
    age: [%s]
    username: %s
    passwordFrom: env:%s
`, fn.APIVersion, fn.Kind, testRecipient, testUsername, testPassEnv)
	return []byte(sb.String())
}

func benchWorkload(api, kind, path, name, ns, image string, i int) string {
	pod := fmt.Sprintf(`# the %s workload
containers:
  - name: main
    image: %s
    ports:
      - containerPort: 8080
        name: http
    env:
      - name: LOG_LEVEL
        value: info
      - name: REPLICA
        value: "%d"
    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {cpu: 500m, memory: 256Mi}
    readinessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 10
  - name: sidecar
    image: docker.io/library/nginx:1.27
restartPolicy: %s
`, name, image, i%3, map[bool]string{true: "Always", false: "OnFailure"}[kind != "Job" && kind != "CronJob"])
	for _, f := range reverse(strings.Split(path, ".")) {
		pod = f + ":\n" + indent(pod, "  ")
	}
	doc := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app: %s\n    tier: backend\n%s", api, kind, name, ns, name, pod)
	return "- " + indent(doc, "  ")[2:]
}

func indent(s, by string) string {
	lines := strings.SplitAfter(s, "\n")
	var sb strings.Builder
	for _, l := range lines {
		if l != "" && l != "\n" {
			sb.WriteString(by)
		}
		sb.WriteString(l)
	}
	return sb.String()
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// TestBenchInput keeps the benchmark honest: the function patches every workload that pulls
// from the registry and creates one Secret per namespace, without errors.
func TestBenchInput(t *testing.T) {
	in := benchInput(300, 5, 3)
	var out bytes.Buffer
	err := framework.Execute(fn.Processor(testOptions(t.TempDir())), &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &out, KeepReaderAnnotations: true})
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if got := strings.Count(s, "- name: acr-secret"); got != 200 {
		t.Errorf("%d workloads reference acr-secret, want 200", got)
	}
	if got := strings.Count(s, "new encrypted Secret acr-secret"); got != 5 {
		t.Errorf("%d Secrets created, want 5", got)
	}
}
