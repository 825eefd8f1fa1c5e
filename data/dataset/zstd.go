package dataset

import (
	"sync"

	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// Arrow v17's zstd codec builds a new encoder for every page it compresses
// (compress.zstdCodec.EncodeLevel), which costs ~20 MB of allocation and
// ~7 ms per small day file. reusingZstd keeps one encoder per level
// (zstd.Encoder.EncodeAll is safe for concurrent use) and produces the same
// bytes. Arrow's codec registry is a plain map meant to be filled during
// package initialisation, so registering here, in init, is the one
// race-free place.
type reusingZstd struct {
	compress.Codec // decoding and streaming: Arrow's own
	mu             sync.Mutex
	enc            map[int]*zstd.Encoder
}

func init() {
	orig, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		return // no zstd in this Arrow build; keep it as is
	}
	compress.RegisterCodec(compress.Codecs.Zstd, &reusingZstd{Codec: orig, enc: map[int]*zstd.Encoder{}})
}

func (z *reusingZstd) encoder(level int) *zstd.Encoder {
	z.mu.Lock()
	defer z.mu.Unlock()
	if e, ok := z.enc[level]; ok {
		return e
	}
	l := zstd.SpeedDefault
	if level != compress.DefaultCompressionLevel {
		l = zstd.EncoderLevelFromZstd(level)
	}
	e, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(l))
	if err != nil {
		panic("dataset: zstd encoder: " + err.Error()) // only on invalid options, fixed above
	}
	z.enc[level] = e
	return e
}

// Encode compresses src at the default level.
func (z *reusingZstd) Encode(dst, src []byte) []byte {
	return z.encoder(compress.DefaultCompressionLevel).EncodeAll(src, dst[:0])
}

// EncodeLevel compresses src at level, reusing the level's encoder.
func (z *reusingZstd) EncodeLevel(dst, src []byte, level int) []byte {
	return z.encoder(level).EncodeAll(src, dst[:0])
}
