package synth

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// Truth kinds: the labels of planted and mechanically produced events.
const (
	// TruthLongCascade is a cluster of forced long liquidations in waves
	// (at most two quiet minutes apart) pushing the price down.
	TruthLongCascade = "long_cascade"
	// TruthShortCascade is the mirror image: shorts liquidated upwards.
	TruthShortCascade = "short_cascade"
	// TruthNearCascade is a run of waves that passes the cascade rule
	// except for its size: it liquidated at least a quarter of, but less
	// than, the cascades' 1% of OI. It is not a cascade; validation uses
	// it to tell an estimate that overshot a real burst from one that saw
	// a burst where there was none.
	TruthNearCascade = "near_cascade"
	// TruthSpring is a sweep below a range's swing low that is reclaimed
	// within a few bars.
	TruthSpring = "spring"
	// TruthFundingOverheat is sustained long crowding with funding at or
	// above 0.05% followed by a long squeeze.
	TruthFundingOverheat = "funding_overheat"
	// TruthReliefRally is one-sided short positioning followed by a
	// squeeze upwards.
	TruthReliefRally = "relief_rally"
)

// TruthRow is one ground-truth event. Side is +1 when longs are the side
// affected (liquidated, swept or squeezed) and -1 for shorts.
type TruthRow struct {
	Kind               string
	Start, End         engine.Nanos // [Start, End), UTC
	Side               int8
	NotionalLiquidated float64 // quote, forced liquidations of Side inside the event
	PriceStart         float64 // mid at Start
	PriceEnd           float64 // mid at End
	Waves              int32   // minutes with forced liquidations of Side
	Detail             string  // space-separated key=value pairs
}

// TruthPath returns where the truth table of one market is written:
// <root>/truth/exchange=<e>/symbol=<s>/truth.parquet.
func TruthPath(root, exchange, symbol string) string {
	return filepath.Join(root, "truth", "exchange="+exchange, "symbol="+symbol, "truth.parquet")
}

var truthSchema = arrow.NewSchema([]arrow.Field{
	{Name: "kind", Type: arrow.BinaryTypes.String},
	{Name: "start", Type: dataset.TSType},
	{Name: "end", Type: dataset.TSType},
	{Name: "side", Type: arrow.PrimitiveTypes.Int8},
	{Name: "notional_liquidated", Type: arrow.PrimitiveTypes.Float64},
	{Name: "price_start", Type: arrow.PrimitiveTypes.Float64},
	{Name: "price_end", Type: arrow.PrimitiveTypes.Float64},
	{Name: "waves", Type: arrow.PrimitiveTypes.Int32},
	{Name: "detail", Type: arrow.BinaryTypes.String},
}, nil)

// WriteTruth writes rows to path as Parquet (written under a temporary
// name and renamed into place), creating directories as needed. An empty
// rows writes a table with the schema and no rows.
func WriteTruth(path string, rows []TruthRow) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write truth %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.parquet")
	if err != nil {
		return fmt.Errorf("write truth %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	b := array.NewRecordBuilder(memory.NewGoAllocator(), truthSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.Kind)
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(r.Start) / 1000))
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(r.End) / 1000))
		b.Field(3).(*array.Int8Builder).Append(r.Side)
		b.Field(4).(*array.Float64Builder).Append(r.NotionalLiquidated)
		b.Field(5).(*array.Float64Builder).Append(r.PriceStart)
		b.Field(6).(*array.Float64Builder).Append(r.PriceEnd)
		b.Field(7).(*array.Int32Builder).Append(r.Waves)
		b.Field(8).(*array.StringBuilder).Append(r.Detail)
	}
	rec := b.NewRecord()
	defer rec.Release()
	fw, err := pqarrow.NewFileWriter(truthSchema, f, dataset.WriterProperties(0), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("write truth %s: %w", path, err)
	}
	if err := fw.Write(rec); err != nil {
		fw.Close()
		return fmt.Errorf("write truth %s: %w", path, err)
	}
	if err := fw.Close(); err != nil { // closes f
		return fmt.Errorf("write truth %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write truth %s: %w", path, err)
	}
	return nil
}

// ReadTruth reads a truth table written by WriteTruth.
func ReadTruth(path string) ([]TruthRow, error) {
	rd, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("read truth %s: %w", path, err)
	}
	defer rd.Close()
	fr, err := pqarrow.NewFileReader(rd, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		return nil, fmt.Errorf("read truth %s: %w", path, err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, fmt.Errorf("read truth %s: %w", path, err)
	}
	defer tbl.Release()
	if got := tbl.Schema(); got.NumFields() != truthSchema.NumFields() {
		return nil, fmt.Errorf("read truth %s: %d columns, want %d", path, got.NumFields(), truthSchema.NumFields())
	}
	for i, want := range truthSchema.Fields() {
		if f := tbl.Schema().Field(i); f.Name != want.Name || !arrow.TypeEqual(f.Type, want.Type) {
			return nil, fmt.Errorf("read truth %s: column %d is %s %s, want %s %s", path, i, f.Name, f.Type, want.Name, want.Type)
		}
	}
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	var rows []TruthRow
	for tr.Next() {
		rec := tr.Record()
		kind := rec.Column(0).(*array.String)
		start := rec.Column(1).(*array.Timestamp)
		end := rec.Column(2).(*array.Timestamp)
		side := rec.Column(3).(*array.Int8)
		notional := rec.Column(4).(*array.Float64)
		ps := rec.Column(5).(*array.Float64)
		pe := rec.Column(6).(*array.Float64)
		waves := rec.Column(7).(*array.Int32)
		detail := rec.Column(8).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			rows = append(rows, TruthRow{
				Kind:               kind.Value(i),
				Start:              engine.Nanos(start.Value(i)) * engine.Microsecond,
				End:                engine.Nanos(end.Value(i)) * engine.Microsecond,
				Side:               side.Value(i),
				NotionalLiquidated: notional.Value(i),
				PriceStart:         ps.Value(i),
				PriceEnd:           pe.Value(i),
				Waves:              waves.Value(i),
				Detail:             detail.Value(i),
			})
		}
	}
	return rows, tr.Err()
}
