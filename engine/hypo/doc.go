// Package hypo tests market stories as hypotheses on the Grid of one
// replay: a signal says when the story's condition holds, an outcome says
// what should follow, and a test compares the outcome after the signal
// with the outcome at every eligible time, or at the eligible times in the
// same market state (the baseline). Every variant of
// a parameter grid is computed from the same Grid, so a grid of variants
// costs one replay.
//
// The definitions below are exact; docs/hypotheses.md copies them.
//
// # Conventions
//
// Row i of the grid covers [T0 + i·Step, T0 + (i+1)·Step). A signal "at
// step i" uses data up to the end of step i only and the trade is entered
// at Close[i], the close of that step; the event time is the end of step i.
// Durations are converted to steps by rounding up (at least one step):
// W = ceil(window / Step), and likewise for horizons. Returns are simple
// returns, x(t)/x(t−W) − 1. Funding is per 8 hours, as in the Grid.
//
// # Signals
//
// funding_overheat(level, zscore, window). Evaluated only at steps with a
// funding settlement (FundingSettled) and a finite rate f. Fires when
// f >= level, or, when zscore > 0, when z >= zscore, where z = (f − m)/s
// and m, s are the mean and sample standard deviation (n−1) of the rates
// settled in [t − window, t), t the start of the step; z is undefined with
// fewer than 10 such settlements or s < 1e-12. With crowded=short the
// mirror image fires: f <= −level or z <= −zscore (crowded shorts, the
// set-up of a short squeeze or relief rally; give the spec side +1).
// Features: funding, zscore.
//
// oi_divergence(window, oi_rise, price_fall). At every step i >= W:
// OI[i]/OI[i−W] − 1 >= oi_rise and Close[i]/Close[i−W] − 1 <= −price_fall
// (OI in base units). The story predicts volatility, not direction: with
// Side 0 the outcome is the absolute forward return. Features: oi_change,
// price_change.
//
// wyckoff_spring(bar, lookback, sweep_max, reclaim_bars, liq_burst). The
// grid is aggregated into bars of length bar aligned to multiples of bar
// since the Unix epoch (hourly bars start on the hour): open of the first
// step, highest High, lowest Low, close of the last step. The first bar
// may be partial; an unfinished last bar is dropped. For bar k >= lookback
// the support is S = min Low of bars k−lookback..k−1 (undefined if one of
// them is NaN). Bar k is a sweep when S·(1−sweep_max) <= Low_k < S. The
// episode of a sweep runs over bars j = k, k+1, …, k+reclaim_bars (the
// sweep bar itself counts, so a sweep bar closing back above S is a
// spring): it ends without a signal at the first bar with Close_j <
// S·(1−sweep_max); otherwise the signal fires at the last step of the
// first bar with Close_j > S. With liq_burst > 0 the long liquidations
// summed over the steps of bars k..j must also be >= liq_burst (quote),
// else the episode ends without a signal. Every sweep bar starts its own
// episode. Features: support, depth (1 − Low_k/S), reclaim_bars (j − k),
// liq_long.
//
// deleveraging_flush(window, price_drop, oi_drop, liq_share, mode). The
// long-liquidation column is the simulator's estimate (EstLiqLong), or the
// recorded liquidations (RecLiqLong) when the estimates are all zero or
// absent; Source says which (or "no liquidation data"). L(a..b) is its sum
// over steps a..b, and V(i) the open-interest value at step i (OIValue, or
// OI × Close when OIValue is NaN).
//   - mode flush, at every step i >= W: Close[i]/Close[i−W] − 1 <=
//     −price_drop, OI[i]/OI[i−W] − 1 <= −oi_drop and L(i−W+1..i) >=
//     liq_share × V(i−W). Features: price_change, oi_change, liq_long,
//     liq_share.
//   - mode circuit_breaker, at every step i >= 2W: the OI change over the
//     window is negative and <= −oi_drop; Funding[i] <= 0.0001 (0.01% per
//     8h: funding reset); the liquidations of the last window are below
//     half those of the window before, L(i−W+1..i) < 0.5·L(i−2W+1..i−W)
//     (bursts fading); and the window before was a burst, L(i−2W+1..i−W)
//     >= liq_share × V(i−2W). price_drop is not used. Features: oi_change,
//     funding, liq_recent, liq_prev.
//
// The story predicts a bounce: catalogue Side +1.
//
// sentiment_extreme(series, below, above). Fires at every step where the
// sentiment value v satisfies v <= below or v >= above (above = 101 turns
// the greed side off). The spec's Side applies to every event: test the
// greed side (a pullback) as a separate spec with side −1 and below 0. v
// is the recorded series Grid.Series[series] when the grid has it with at
// least one finite value (Source "series <name>"); otherwise a proxy
// (Source starts with "proxy"), built from past data only:
//   - daily rows per UTC day: close = Close of the day's last step, quote
//     volume = Σ Volume·Close over the day;
//   - four components per day d: 30-day momentum close_d/close_{d−30} − 1;
//     minus the 30-day realised volatility (sample sd of the 30 daily log
//     returns up to d); the mean funding rate settled in the 7 days up to
//     the end of d; the mean daily quote volume of the last 30 days over
//     that of the last 365 days (available from day 89 on);
//   - each component's percentile rank among its own finite values over
//     days d−364..d, 100·(#smaller + (#equal − 1)/2)/(count − 1), defined
//     with at least 90 values;
//   - the proxy of day d is the mean of the defined ranks (at least 2),
//     on 0–100, and holds for every step of day d+1.
//
// liq_asymmetry(above, below, ratio, every). Needs liquidation-map samples
// (Options.MapSamples) for the exact (above, below) pair; without them
// Evaluate fails with ErrNoMapSamples naming the pair (MapRequests lists
// the pairs and intervals a replay must record). Of the samples, the first
// in each interval of length every (aligned to the Unix epoch) is used; a
// sample at time t belongs to the step containing t. Fires when shorts /
// longs >= ratio, where shorts is the short notional (quote) liquidated
// within +above of the price and longs the long notional within −below;
// longs = 0 counts as an infinite ratio when shorts > 0. Features:
// shorts_at_risk, longs_at_risk, ratio.
//
// Composition (in scenarios: a hypothesis with all: or any:, below in
// docs/hypotheses.md): All(s...) holds
// at a step where every signal holds, Any(s...) where at least one holds,
// Within(s, d) at step i when s held at some step j <= i with i − j <=
// floor(d/Step). Point-like signals (settlements, map samples, bar closes)
// rarely coincide, so wrap them in Within: All(asymmetry, Within(fear,
// 24h), Within(spring, 48h)). A Spec with a Signal builder evaluates any
// Signal, including compositions and custom ones.
//
// # Events
//
// Walking the steps in time order, a step where the signal holds (and the
// close is finite and positive) becomes an event unless it lies within
// Cooldown of the previous event: fires at t' < t + Cooldown after an
// event at t are ignored, so one episode counts once.
//
// # Outcomes
//
// For an event at step i with entry price e = Close[i], horizons h_1..h_m
// (in steps) and H = max h:
//   - forward return at each horizon: Close[i+h]/e − 1 (NaN past the grid);
//   - MFE and MAE over steps i+1..i+H from High and Low, in the story's
//     direction (long for Side 0): Side +1/0: MFE = max High/e − 1, MAE =
//     min Low/e − 1; Side −1: MFE = 1 − min Low/e, MAE = 1 − max High/e;
//   - target before stop over steps i+1..i+H: Side +1 targets e·(1+Target)
//     (High reaches it) against a stop at e·(1−Stop) (Low reaches it);
//     Side −1 targets e·(1−Target) against e·(1+Stop); Side 0 targets
//     either e·(1±Target) and has no stop. Result +1 target first, −1 stop
//     first, 0 neither within H. A step that reaches both counts as stop
//     first (the order inside a step is unknown: conservative).
//     TimeToTarget = (j − i)·Step for the deciding step j, −1 otherwise;
//   - next cascade: the first step j > i (anywhere later in the grid)
//     whose dominant side of estimated liquidations is at least
//     max(CascadeMin, CascadeShare × V(j)) (defaults 0 and 0.1% of the OI
//     value) and at least twice the other side. NextCascade = +1 when
//     short liquidations dominate (a squeeze up), −1 when longs dominate
//     (a flush down), 0 when there is none or the grid has no estimated
//     liquidations at all (then Result.Notes says so).
//
// # Samples and baseline
//
// With 0 < Split < 1 the grid's steps are split at S = round(Split·n):
// steps [0, S) are in-sample ("in"), [S, n) out-of-sample ("out");
// otherwise there is one sample, "all". An entry at step i is eligible in
// a sample when i and i+H both lie inside it and every exit close is
// finite and positive: no in-sample outcome uses out-of-sample prices, and
// every horizon of a spec uses the same eligible times. The baseline of a
// sample is the outcome at every eligible row of the evaluation grid:
// every step, or every EvalStep (a multiple of the grid step, rows aligned
// to T0) when Options.EvalStep is set. An event counts in the row that
// contains it, with its own outcome, and only when that row is a baseline
// row.
//
// StatsConfig.Baseline says what the events are compared with: "all" (the
// default) every baseline row of the sample; "matched" the baseline rows
// of the sample in the market state of each event.
//
// Matched baseline. The state at step i uses data up to the close of step
// i (it is known at the entry), over W = ceil(MatchWindow/Step) steps
// (Options.MatchWindow, 24h): the realised volatility sqrt(Σ r_j²) of the
// log returns r_j = ln(Close[j]/Close[j−1]), j = i−W+1..i, and the return
// Close[i]/Close[i−W] − 1. Under "matched" an entry is eligible only where
// both are defined (i >= W, every close of i−W..i finite and positive),
// for events and baseline rows alike. Each sample cuts the volatility into
// MatchVolBins bins (5: quintiles) and the return into MatchRetBins bins
// (3: terciles; 1 matches on volatility alone) at the quantiles of its own
// baseline rows (stats.QuantileEdges: of the m values in ascending order,
// edge j is the value of rank floor(j·m/bins); a value equal to an edge
// goes to the upper bin). A cell is a (volatility bin, return bin) pair.
// An event's controls are every baseline row of its sample in its cell,
// or, when the cell has fewer than MinControls (10) control episodes,
// every row of its volatility bin (Note: "matched: k of N events on
// volatility only"). Control episodes are counted greedily in time order
// (a row starts a new one when it is at least H steps after the previous
// start): the number of non-overlapping outcome windows. When the
// volatility bin has too few episodes as well, the variant has no matched
// baseline in the sample: MeanBase, Diff, CI, P, EffectSize and the base
// rates are NaN, and Note says "matched: no baseline for k of N events:
// only e control episodes in volatility bin b of 5 (need 10)". They are
// NaN as well, with NBase 0, when the sample has no event.
//
// With B_g the mean y over control group g (a cell or a volatility bin)
// and K_g of the sample's K events matched to g: MeanBase = Σ_g (K_g/K)·B_g,
// the mean over the events of their controls' mean, so Diff = MeanEvent −
// MeanBase is the mean paired difference y_e − B_g(e). BaseHitRate and
// BaseTBSRate are weighted alike (the Side 0 hit threshold stays the
// sample's median y); NBase counts the distinct control rows; EffectSize
// is Cohen's d against the groups' controls mixed in the events'
// proportions (variance Σ_g (K_g/K)·(V_g + (B_g − MeanBase)²), V_g the
// group's sample variance, NBase rows). Scenarios (stats.baseline:
// matched) use the default options.
//
// The controls involve no random draw, so the seed reaches only the
// bootstrap: k random control times per event would estimate the same
// B_g (their expected mean) with Monte-Carlo noise, and Diff would move
// with the seed. Nor are controls kept away from events: a control is any
// row of the cell, the events' own rows and their neighbours included, as
// under "all". Excluding rows within the horizon before an event selects
// on the future — for a volatility-triggered signal those are the rows
// where the volatility is building — and biases the baseline: on the
// regime markets of TestMatchedVolatilityConfound, excluding rows closer
// than H (or the cooldown, after) to an event left most tests without
// controls, and 4 of the 12 that had them reached p = 0.002 on a pure
// volatility effect. The price is dilution: a genuine effect is partly in
// the baseline, carried by the rows whose outcome window contains an
// event's move. For an effect that follows each event as a jump right
// after its entry, the baseline holds the share D_h = Σ_j W_j·#{events i
// of the sample : j <= i < j+h} of it (W_j the weight of row j in MeanBase;
// the weights sum to 1) and Diff shrinks by that share; Note reports D_h
// from 20% ("matched: 31% of an effect right after each event is also in
// the baseline (Diff understates it)"). Against "all" the share is about
// K·h/NBase; matched it is larger when the events crowd their cells.
//
// # Statistics
//
// Per variant × horizon × sample, with y the side-adjusted forward return
// (return × Side; |return| for Side 0):
//   - N events, Episodes (events closer than the horizon to the previous
//     event join its episode), NBase baseline rows;
//   - MeanEvent, MeanBase (over all baseline rows, events' rows included;
//     matched: see above) and Diff = MeanEvent − MeanBase;
//   - CI and P from a stationary bootstrap of the joint series (baseline
//     row outcome, events in the row) with mean block length
//     max(BlockLength, horizon) in rows. A replicate's statistic is the
//     mean of the resampled event outcomes minus the mean of the
//     resampled baseline; replicates that draw no event are dropped. CI
//     is the percentile interval at 1−Alpha (gonum's empirical quantile);
//     P is two-sided, (1 + #{|d* − Diff| >= |Diff|})/(1 + #replicates).
//     A test needs N >= MinEvents (10), Episodes >= MinEvents, a sample of
//     at least two mean blocks and half the replicates drawing an event;
//     otherwise P is NaN and Note says why;
//   - HitRate: share of events with y > 0 (Side 0: y above the median y
//     of the sample's baseline), with its Wilson interval at 1−Alpha;
//     BaseHitRate the same share over the baseline;
//   - EffectSize: Cohen's d of the event outcomes against the baseline
//     rows without an event (pooled standard deviation);
//   - TBSRate: share of events whose target came first; BaseTBSRate the
//     same over the baseline rows (per spec: Target, Stop and Side).
//
// Bootstrap replicates come from stats.BlockPlan: each replicate is drawn
// once as a list of blocks (start, length), shared by every test on a
// series of the same length and block length; a plan is seeded from the
// scenario seed, the sample, its length and the block length only, so a
// test's replicates do not depend on which other tests run. Variants with
// few events share one pass that counts, per replicate, how often each of
// their event rows is drawn; variants with many events use prefix sums
// over the blocks; variants with identical events share their test. All
// three give the same replicate statistics.
//
// Matched tests resample the same plan (the sample's rows, mean block
// max(BlockLength, horizon)) and recompute both sides from the resampled
// rows: a replicate's statistic is the mean over the resampled events of
// y_e − B_g(e), minus Σ_g (K_g/K)·δ*_g, where δ*_g = Σ_{j in g} c*_j·(y_j −
// B_g)/N_g is the first-order change of the control mean B_g (c*_j the
// times row j is drawn, N_g the group's rows): one prefix-summed series
// per variant, O(#blocks) per replicate, instead of one per cell. The
// exact recomputation, B*_g = Σ c*_j·y_j / Σ c*_j, gives intervals within
// 3% of their width and p-values within 0.011 on the test's markets
// (TestMatchedBootstrapLinearisation); first order errs slightly
// conservative when a cell spans few blocks. So the interval covers the
// uncertainty of the control means as well as of the events, with their
// dependence (the same blocks): a cell holds far fewer independent
// windows than the sample, so a matched interval is wider than an "all"
// one. Pairing each event with fixed control means and resampling only the
// events would understate it.
//
// Multiple testing: the family of a sample is every (hypothesis, variant,
// horizon) test of the run (Result.Family); untestable tests count with
// p = 1. Q is the Benjamini–Hochberg q-value and PBonferroni = min(1,
// P·Family). Result.Variants counts the variants tried.
//
// Walk-forward (StatsConfig.WalkForward, needs an out-of-sample period):
// per spec and horizon, the variant with the lowest in-sample P among
// those with Diff > 0 (ties: larger Diff, then lower index; if no Diff is
// positive, the largest Diff) is marked Chosen in both samples, and its
// out-of-sample row gets QWalkForward, the BH q-value across the chosen
// out-of-sample rows.
//
// Measured honesty: on null markets (GARCH random walks without drift,
// signals that cannot predict returns, including persistent conditions
// with a short cooldown) the share of tests with p < 0.05 is about 6.5%
// and no test reaches q < 0.05 (TestNullFalsePositives); the stationary
// bootstrap is slightly liberal when the horizon is long relative to the
// sample. Against the matched baseline (TestMatchedNull: 20 GARCH null
// markets; random times, persistent random regimes, funding spikes, and
// random times in the top volatility quintile; 4h, 24h, 72h, in and out of
// sample; 675 tests) 4.7% of the tests have p < 0.05 and 0.15% q < 0.05;
// the |return| after volatile times, a real effect against all (p < 0.05
// in 31 of 120 tests), reaches it in 6 of 119. On regime-switching markets
// (TestMatchedVolatilityConfound) a signal firing at random when the
// volatility is in its top quintile is significant at 24h against all on
// 8 of 8 markets and against matched on 0 of 8, for the |return| and for
// the drift of turbulent markets alike; a 3% fall planted after such
// events is found (matched Diff +2.3%, p 0.004; against all +3.9%, the
// state's own drift included).
//
// # Online evaluation
//
// NewOnline builds the online form of a catalogue signal (OnlineAll,
// OnlineAny and OnlineWithin compose them): At(i) answers for row i as
// soon as the row has closed, reading the grid while an
// engine.GridBuilder is still filling it (GridBuilder.Live) and the map
// samples as they are recorded. Its On and feature values are bit for bit
// those of Fire on the finished grid — tested for every signal over many
// parameter sets, compositions and markets — so strategies can trade the
// very events the hypotheses test within the same single replay. Two
// choices Fire makes from the whole grid are fixed up front instead
// (OnlineOptions): which liquidation column (estimated or recorded) and
// whether sentiment comes from the recorded series or the proxy. Cost per
// row is bounded (at most tens of nanoseconds per signal on a 5-minute
// grid).
//
// # Guarantees
//
// Results depend only on the grid, the specs, the options and
// StatsConfig.Seed: no map iteration or parallel reduction reaches a
// result, and Result.Digest hashes every field. Summaries are ordered by
// spec, variant, horizon and sample (in, out); events by spec, variant and
// time. Evaluate never modifies the grid; it is safe to call concurrently.
// Memory: a block plan takes about 8·Bootstrap·span/max(BlockLength,
// horizon) bytes; plans are built per sample and block length. The
// matched baseline adds 2 bytes per row and sample and, per tested
// variant and horizon, one pass over the rows and one over the blocks
// (make bench: about 1.5× the time of "all" for one variant, 3.5× for a
// hundred).
package hypo
