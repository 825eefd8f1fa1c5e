package pipeline

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/scenarios"
)

func TestCalibrateSynthetic(t *testing.T) {
	if os.Getenv("CASCADE_CALIBRATE") != "1" {
		t.Skip("set CASCADE_CALIBRATE=1")
	}
	cfg, err := SimulatorConfig(scenarios.DefaultSimulator())
	if err != nil {
		t.Fatal(err)
	}
	cfg.LeveragedShare = 0.35
	from := engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	to := engine.FromTime(time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC))
	t0 := time.Now()
	v, err := ValidateSynthetic(context.Background(), "../datasets/synth-demo", "synth", "BTCUSDT", from, to, cfg, DefaultCascadeRule)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v\n%s", time.Since(t0), v)
	_ = liquidation.Config{}
}
