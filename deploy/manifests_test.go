// Package deploy holds deployment examples; this test validates the
// Kubernetes manifests' fields that the cascade binary relies on.
package deploy

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type container struct {
	Command      []string `yaml:"command"`
	Args         []string `yaml:"args"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type cronJob struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       struct {
		Schedule    string `yaml:"schedule"`
		JobTemplate struct {
			Spec struct {
				CompletionMode string `yaml:"completionMode"`
				Completions    *int   `yaml:"completions"`
				Parallelism    *int   `yaml:"parallelism"`
				Template       struct {
					Spec struct {
						RestartPolicy string      `yaml:"restartPolicy"`
						Containers    []container `yaml:"containers"`
						Volumes       []struct {
							Name string `yaml:"name"`
						} `yaml:"volumes"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

func load(t *testing.T, path string) cronJob {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c cronJob
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if c.APIVersion != "batch/v1" || c.Kind != "CronJob" || len(strings.Fields(c.Spec.Schedule)) != 5 {
		t.Fatalf("%s: want a batch/v1 CronJob with a 5-field schedule, got %s %s %q", path, c.APIVersion, c.Kind, c.Spec.Schedule)
	}
	return c
}

func checkMounts(t *testing.T, path string, c cronJob) {
	vols := map[string]bool{}
	for _, v := range c.Spec.JobTemplate.Spec.Template.Spec.Volumes {
		vols[v.Name] = true
	}
	for _, ct := range c.Spec.JobTemplate.Spec.Template.Spec.Containers {
		for _, m := range ct.VolumeMounts {
			if !vols[m.Name] {
				t.Errorf("%s: volumeMount %s has no volume", path, m.Name)
			}
		}
	}
}

func TestShardManifest(t *testing.T) {
	const path = "k8s/nightly-shards.yaml"
	c := load(t, path)
	js := c.Spec.JobTemplate.Spec
	if js.CompletionMode != "Indexed" {
		t.Errorf("completionMode %q, want Indexed (JOB_COMPLETION_INDEX drives --shard)", js.CompletionMode)
	}
	if js.Completions == nil || js.Parallelism == nil || *js.Completions != *js.Parallelism {
		t.Fatalf("completions and parallelism must be set and equal")
	}
	if len(js.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container")
	}
	ct := js.Template.Spec.Containers[0]
	cmd := strings.Join(append(ct.Command, ct.Args...), " ")
	m := regexp.MustCompile(`--shard "?\$\{JOB_COMPLETION_INDEX\}/(\d+)"?`).FindStringSubmatch(cmd)
	if m == nil {
		t.Fatalf("command does not pass --shard ${JOB_COMPLETION_INDEX}/N: %s", cmd)
	}
	if n, _ := strconv.Atoi(m[1]); n != *js.Completions {
		t.Errorf("--shard n = %d, completions = %d: shards would be missed or duplicated", n, *js.Completions)
	}
	if !regexp.MustCompile(`--db "?/results/shards/shard-\$\{JOB_COMPLETION_INDEX\}\.duckdb`).MatchString(cmd) {
		t.Errorf("each pod needs its own --db under /results/shards: %s", cmd)
	}
	if !strings.Contains(cmd, "cascade batch") {
		t.Errorf("not a cascade batch: %s", cmd)
	}
	// The shard file persists between nights: it is pruned, and the pod
	// still fails when the batch did (so the Job retries the index).
	if !regexp.MustCompile(`cascade prune --db "?/results/shards/shard-\$\{JOB_COMPLETION_INDEX\}\.duckdb"? --keep \d+`).MatchString(cmd) ||
		!regexp.MustCompile(`rc=\$\?;.*exit \$rc$`).MatchString(cmd) {
		t.Errorf("shard pods should prune their own file and exit with the batch's code: %s", cmd)
	}
	if js.Template.Spec.RestartPolicy != "Never" && js.Template.Spec.RestartPolicy != "OnFailure" {
		t.Errorf("restartPolicy %q", js.Template.Spec.RestartPolicy)
	}
	checkMounts(t, path, c)
}

func TestMergeManifest(t *testing.T) {
	const path = "k8s/nightly-merge.yaml"
	c := load(t, path)
	ct := c.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
	cmd := strings.Join(append(ct.Command, ct.Args...), " ")
	if !strings.Contains(cmd, "cascade merge --db /results/cascade.duckdb /results/shards/shard-*.duckdb") {
		t.Errorf("merge command does not combine the shard files the shard job writes: %s", cmd)
	}
	if !strings.Contains(cmd, "&& exec cascade prune --db /results/cascade.duckdb --keep") {
		t.Errorf("merge job does not prune the merged file after a successful merge: %s", cmd)
	}
	checkMounts(t, path, c)
	shards := load(t, "k8s/nightly-shards.yaml")
	minute := func(cron string) int { // minute of the day of a daily "M H * * *" schedule
		f := strings.Fields(cron)
		m, err1 := strconv.Atoi(f[0])
		h, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("schedule %q: want a daily \"M H * * *\"", cron)
		}
		return 60*h + m
	}
	if minute(c.Spec.Schedule) <= minute(shards.Spec.Schedule) {
		t.Errorf("merge (%s) should be scheduled after the shards (%s)", c.Spec.Schedule, shards.Spec.Schedule)
	}
}
