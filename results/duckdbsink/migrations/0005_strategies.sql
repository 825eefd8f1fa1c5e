-- Schema version 5: strategies. One row per strategy variant and sample in
-- strategy_metrics; orders, fills, cash flows and the (downsampled) equity
-- curve per variant.
CREATE TABLE strategy_metrics (
    run_id          VARCHAR NOT NULL,
    strategy        VARCHAR NOT NULL,
    variant         BIGINT NOT NULL,      -- index in the parameter grid
    params          VARCHAR NOT NULL,
    sample          VARCHAR NOT NULL,     -- all | in | out
    start_ts        TIMESTAMPTZ,
    end_ts          TIMESTAMPTZ,
    start_equity    DOUBLE,
    end_equity      DOUBLE,
    total_return    DOUBLE,
    cagr            DOUBLE,
    volatility      DOUBLE,               -- annualised
    sharpe          DOUBLE,               -- annualised, risk-free 0
    sortino         DOUBLE,
    max_drawdown    DOUBLE,               -- fraction of the peak
    max_drawdown_s  BIGINT,               -- longest time under water (seconds)
    calmar          DOUBLE,
    win_rate        DOUBLE,               -- closed round trips with positive PnL
    profit_factor   DOUBLE,
    exposure        DOUBLE,               -- share of time with a position
    turnover        DOUBLE,               -- traded notional / average equity
    fees            DOUBLE,               -- paid (positive = cost)
    funding         DOUBLE,               -- received (negative = paid)
    liquidation_fees DOUBLE,
    liquidations    BIGINT,               -- own liquidations
    trades          BIGINT,               -- closed round trips
    fills           BIGINT,
    psr             DOUBLE,               -- probabilistic Sharpe ratio vs 0
    dsr             DOUBLE,               -- deflated Sharpe ratio (variants_tried)
    variants_tried  BIGINT
);

CREATE TABLE strategy_orders (
    run_id          VARCHAR NOT NULL,
    strategy        VARCHAR NOT NULL,
    variant         BIGINT NOT NULL,
    order_id        BIGINT NOT NULL,
    submitted       TIMESTAMPTZ,
    done            TIMESTAMPTZ,
    type            VARCHAR,              -- market | limit | stop
    side            VARCHAR,              -- long (buy) | short (sell)
    qty             DOUBLE,
    price           DOUBLE,
    stop_price      DOUBLE,
    reduce_only     BOOLEAN,
    take_profit     DOUBLE,
    stop_loss       DOUBLE,
    status          VARCHAR,              -- filled | cancelled | rejected | open
    reason          VARCHAR,
    filled_qty      DOUBLE,
    avg_price       DOUBLE,
    tag             VARCHAR
);

CREATE TABLE strategy_fills (
    run_id          VARCHAR NOT NULL,
    strategy        VARCHAR NOT NULL,
    variant         BIGINT NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    order_id        BIGINT,
    side            VARCHAR,              -- long (buy) | short (sell)
    qty             DOUBLE,
    price           DOUBLE,               -- including slippage
    slippage        DOUBLE,               -- quote per unit, against the taker
    fee             DOUBLE,
    liquidity       VARCHAR,              -- maker | taker
    realized_pnl    DOUBLE,
    liquidation     BOOLEAN,              -- own liquidation
    tag             VARCHAR
);

CREATE TABLE strategy_ledger (
    run_id          VARCHAR NOT NULL,
    strategy        VARCHAR NOT NULL,
    variant         BIGINT NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    kind            VARCHAR NOT NULL,     -- fee | funding | realized_pnl | liquidation_fee
    amount          DOUBLE NOT NULL,      -- signed cash flow into the wallet
    balance         DOUBLE NOT NULL,      -- wallet balance after it
    order_id        BIGINT
);

CREATE TABLE strategy_equity (
    run_id          VARCHAR NOT NULL,
    strategy        VARCHAR NOT NULL,
    variant         BIGINT NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    equity          DOUBLE,               -- wallet balance + unrealised PnL
    cash            DOUBLE,               -- wallet balance
    unrealized      DOUBLE,
    position        DOUBLE,               -- signed base quantity
    price           DOUBLE
);
