// Package liquidation is Cascade's market-wide liquidation simulator. From
// the public tape alone — trades (or bars), open interest and funding — it
// estimates where other traders' leveraged positions sit, when they are
// liquidated, how much is liquidatable near the price (the liquidation
// map), how a shock would cascade, and it groups liquidations into
// cascade episodes.
//
// # Model
//
// Cohorts. The book holds cohorts of isolated-margin positions keyed by
// (entry-price bin, side, leverage bucket). Bins are geometric: bin k
// covers [e^(k·w), e^((k+1)·w)) with w = ln(1+PriceBin), so keys are
// integers and a bin is the same price range for the whole run. A cohort
// keeps its quantity (base), its quantity-weighted entry price (the VWAP of
// the trades it was opened on) and its isolated margin per base unit.
//
// Inflow. Trades are accumulated, over each inflow interval, into a
// volume-at-price histogram (base volume and VWAP per bin) and a taker
// buy/sell split. When an OI observation is applied (see Open interest
// below), ΔOI = OI − the book's OI. If ΔOI > 0, ΔOI new contracts are
// opened, each with a long and a short holder: the quantity is spread over
// the interval's bins in proportion to their volume, and over leverage
// buckets by the taker split b (the taker-buy share of the interval):
// longs are the aggressors with weight b, so the long mix is
// b·aggressor + (1−b)·passive and the short mix (1−b)·aggressor +
// b·passive (each weight vector normalised). A (bin, leverage) pair whose
// fresh position would already be past the price at the observation
// (a 100x long opened 1.5% above today's price) cannot have survived to
// be counted, so it gets nothing and the other pairs are renormalised
// (unless nothing survives). With LeveragedShare < 1 only that share of
// ΔOI enters the cohorts; the rest joins the untracked pool. If a
// cohort already exists its entry and margin are merged by quantity, and
// it keeps one representative liquidation price.
//
// Funding tilt. With Config.FundingTilt the last funding rate F sets the
// side split of new leveraged positions: tilt = clamp(FundingTilt·(F −
// I), −1, 1), with I the interest component (0.01% per 8 hours, scaled
// to the funding interval); longs get LeveragedShare·(1+tilt) of ΔOI and
// shorts LeveragedShare·(1−tilt) (each at most 1), the pool the rest. A
// rate above I means the perpetual traded at a premium beyond the
// formula's ±0.05% dead zone: leveraged longs were crowded. Inside the
// dead zone the funding says nothing and the split stays even. A rate
// counts for three funding intervals after its settlement; where the
// funding data stops, the split is even again.
//
// Outflow. If ΔOI < 0, |ΔOI| contracts are closed on both sides. The
// untracked pool takes its proportion of the book's OI; the rest is
// closed from the cohorts by Config.Outflow: proportional (every cohort
// by the same fraction; implemented with one lazy scale factor per side,
// so it is O(1)), losers_first (longs from the highest entry bin down,
// shorts from the lowest up, a whole bin at a time, the last bin in
// proportion) or oldest_first (first in, first out over the inflows).
// When the sides hold different quantities (holding decay, funding
// tilt) each side closes |ΔOI| in proportion: the pool its share
// untracked/OI, side s's cohorts tracked(s)/OI.
//
// Holding decay. With Config.HoldHalfLife H, positions also close
// voluntarily at a constant rate whatever OI does: a cohort of leverage L
// keeps 2^(−t·sqrt(L)/H) of its quantity after t (H is the half-life of
// a 1x position; 20x positions at H = 96h have a half-life of 21.5h).
// Decay is applied at each applied OI observation, before ΔOI, with one
// lazy factor per (side, leverage bucket) like the proportional
// outflow's, so it costs O(leverage buckets) and nothing per trade; the
// factors are folded into the cohorts when one falls below 1e-6. The
// closed quantity leaves the tracked book and the book's OI, so when
// the exchange's OI stays flat the next observation counts the
// positions that replaced them as new inflow, at that interval's prices.
// A closing holder's counterparty is untracked with probability u =
// untracked/OI (the contract closes and the pool loses a holder) and
// otherwise a tracked holder who is closing too (counted in its own
// decay: the two close one contract), so with D closed on both sides
// together the book's OI falls by D·(1+u)/2 and the pool by D·u/2.
// Without decay (H = 0) positions close only when OI falls.
//
// Liquidation price. Each cohort's liquidation price is the exact Binance
// isolated-margin price (perp.Brackets.IsolatedLiquidationPrice, tier
// chosen by the liquidation notional) of one representative account:
// notional min(AccountNotional, the largest notional its leverage allows,
// perp.Brackets.MaxNotional) at the cohort's entry, with margin =
// notional/leverage less funding paid. The price does not depend on how
// many accounts the cohort holds. Within a tier the formula, divided
// through by the account's quantity, is linear in the margin per unit and
// the entry, LP = a·margin + b·entry, and is evaluated so (one
// multiply-add); when that lands outside the tier it was evaluated for,
// the tier is searched as Binance does. Longs of leverage ~1 (liquidation
// price 0 or below 1e-4 of entry) can never be liquidated.
//
// Funding. With Config.Funding, each funding event moves every cohort's
// margin by its cashflow −s·mark·rate per base unit (a positive rate:
// longs pay, shorts receive), which moves its liquidation price (a long
// paying funding is liquidated sooner). The move is the same for every
// cohort of a side whose leverage buckets liquidate in tiers of one
// maintenance rate (by default all of them), so the book keeps the funding
// paid since a reference point and each cohort's margin and price as of
// then, and computes today's on use: a settlement costs one comparison
// per cohort (is it still in its tier?) instead of re-pricing and
// re-placing every cohort; the few that leave their tier are re-priced at
// every settlement. Cohorts that the new price puts past the market are
// liquidated at once, at the market price.
//
// Liquidation. When a price — a trade, an intra-bar path point, or a
// bar's extremes — reaches a cohort's liquidation price (longs: price ≤
// LP; shorts: price ≥ LP) the whole cohort is liquidated. Cohorts sit in
// a grid of LP bins per side with occupancy bitsets; the book keeps the
// highest long LP and the lowest short LP, so a trade that crosses
// nothing costs two comparisons (a few nanoseconds, no allocation) and a
// crossing trade visits only the crossed bins. Liquidations are emitted
// in execution order (longs from the highest LP down, shorts from the
// lowest up, ties by entry bin and leverage) with Price = LP when the
// previous price was on the safe side of LP (the path went through it)
// and the current price otherwise (a gap, e.g. after funding).
//
// Open interest and reconciliation. Only the first OI observation in each
// InflowInterval (on the Unix-epoch grid) is applied, with the histogram
// of all trades since the previous applied one; so sparse OI (hourly, say)
// is applied as it arrives with the volume of the whole gap, and dense OI
// is sampled once per interval. The first observation only sets the
// baseline: that OI becomes the untracked pool (positions of unknown
// entry, never liquidated), which then decays with its share of
// outflows — a warm-up of a few days of OI turnover. The book's OI is
// untracked + tracked (the mean of the sides when they differ) and
// follows the observed OI, except that every liquidation reduces it at
// once by the liquidated quantity, and takes the same quantity from the
// opposite side's cohorts (the forced orders' counterparties are assumed
// to be holders closing, by the outflow rule), and holding decay reduces
// it by the contracts it closes. The next observation's ΔOI is then
// measured against that reduced OI: if the exchange's OI fell by the
// liquidated quantity ΔOI is 0 (no double counting); if it fell by less,
// the difference is new positions opened during the move.
//
// Liquidation map. Book.Map(price, above, below, step) is the notional
// (quote, at the liquidation prices) liquidatable in bands of step above
// (shorts) and below (longs) the price, with cumulative curves and totals
// within +above and −below; Asymmetry = shorts within above / longs within
// below (+Inf with shorts and no longs, 1 with neither).
//
// Shock. Shock(snapshot, price, move, impact) moves the price by move,
// liquidates the crossed cohorts, and sets the next price to the shocked
// price moved by impact.Move(cumulative forced notional) (the square-root
// law applies to the cascade's forced orders as one metaorder), wave
// after wave until a wave liquidates nothing or MaxShockWaves. A larger
// move never liquidates less. It reads a Snapshot, never the live book.
// SqrtImpact is Δln P = Y·σ_daily·sqrt(Q/V_daily); Calibrator keeps V_daily
// (traded quote notional) and σ_daily (from bucket-close log returns) over
// Impact.Window in 288 buckets, O(1) per trade.
//
// Episodes. Episodes groups the time-ordered liquidations into cascades:
// liquidations of one side less than CascadeGap apart form one episode;
// its Waves are bursts separated by more than WaveGap. With
// EpisodeBucket (e.g. 1 minute, as in per-minute liquidation data) times
// are taken to the start of their bucket: an episode continues while the
// next liquidation's bucket starts less than CascadeGap after the last
// one's, and its Waves are the distinct buckets with liquidations — with
// 1-minute buckets and CascadeGap 4m this is the generator's labelling
// (a cascade ends after 3 quiet minutes; waves are wave minutes).
//
// # Parameters and defaults (Config)
//
//	PriceBin            0.001 (0.1%)      price-bin width, fraction of price
//	Leverage            2 3 5 10 20 25 50 75 100 125
//	AggressorWeights    .02 .04 .08 .16 .20 .14 .16 .08 .07 .05
//	PassiveWeights      .15 .15 .20 .22 .12 .06 .05 .02 .02 .01
//	Outflow             proportional      | losers_first | oldest_first
//	Brackets            perp.BinanceBTCUSDT2024
//	Funding             true
//	InflowInterval      5m
//	Impact              sqrt, Coefficient 1, Window 24h, MaxMove 0 (no cap)
//	CascadeGap          5m
//	WaveGap             30s
//	EpisodeBucket       0 (continuous)   1m with CascadeGap 4m recommended
//	EpisodeMinNotional  0
//	LeveragedShare      1
//	AccountNotional     20 000 (quote)
//	MaxShockWaves       100
//	HoldHalfLife        0 (off)          96h recommended
//	FundingTilt         0 (off)          3000 recommended
//
// # Assumptions and limits
//
//   - Net flows only: the tape shows ΔOI, not gross opens and closes, so
//     positions opened and closed within an interval are invisible.
//     Voluntary exits are seen when OI falls and, with HoldHalfLife, as a
//     constant-hazard decay by leverage (exits replaced by new positions
//     while OI is flat are otherwise invisible). Every new contract is one
//     long and one short; which side is leveraged is only known through
//     the funding rate (FundingTilt), and only when it leaves the
//     formula's dead zone.
//   - Isolated margin, one representative account per cohort; no cross
//     margin, no partial liquidation, no ADL; liquidation on the traded
//     price rather than the mark price.
//   - Bars: while no real trade has been seen, a bar's volume is spread
//     evenly over its range. Feed either trades or bars as the volume
//     source; intra-bar path trades (engine.FlagBarPath) only move the
//     price, the bar event brings the volume.
//   - Validated against the synthetic market of data/synth
//     (pipeline.TestCalibrateSynthetic, CASCADE_CALIBRATE=1: seed 7 at
//     scale 0.05 and seeds 11, 23, 5 at 0.02, 91 days each, scored by the
//     generator's own cascade rule: ≥1% of OI, ≥3 wave minutes, price
//     moved against the side). With LeveragedShare 0.35, HoldHalfLife
//     96h, 1-minute buckets with CascadeGap 4m, FundingTilt 3000 and the
//     generator's leverage mix, recall is 0.72–0.84, precision 0.81–0.93
//     and the daily correlation of cascade notional 0.87–0.96 (without
//     decay, buckets and tilt: 0.68–0.90, 0.32–0.54, 0.53–0.73). The
//     episodes are found at the right minutes; what limits recall and
//     precision is the notional of each, most cascades being close to
//     the 1% threshold: the generator's crowding phases put most new
//     positions (and more leverage) on one side, which the tape reveals
//     only late, through funding. Given the generator's true side split
//     (a diagnostic, not available from the tape) recall is 0.80–0.94
//     and precision 0.84–0.97. The default
//     (LeveragedShare 1, no decay) liquidates several times more.
//
// # Cost
//
// A trade that crosses nothing and stays in the cached histogram bin costs
// a few nanoseconds and allocates nothing; a bin change costs about 10 ns
// more. An applied OI observation costs O(bins traded × leverage buckets)
// liquidation prices, one multiply-add each (one to two microseconds for
// a 5-minute interval), plus O(leverage buckets) for holding decay (and an
// O(cohorts) fold about once a week of data at HoldHalfLife 96h), a
// funding event O(cohorts) comparisons, a crossing trade O(crossed
// cohorts · log). Memory is O(cohorts + price range in bins).
//
// # Guarantees
//
// Units: prices in quote per base unit, quantities in base units,
// notionals in quote, rates and moves as fractions. Time is engine.Nanos
// from the data; nothing reads the wall clock. The same events and Config
// give the same output bit for bit: no map iteration, no goroutines, and
// every ordering is by explicit keys. A Book is not safe for concurrent
// use; Snapshot values are immutable once built and Shock only reads
// them. The package imports only the standard library, engine and
// engine/perp.
package liquidation
