package index

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// A full index reads every file before it renders any: it must know every
// post to work out their links. Held as read, the bodies of a 10,000-post
// corpus are 195 MB of live heap for the whole run; squeezed at zstd's
// fastest level they are about a third of that, for some 20 ms of CPU per
// thousand files each way.
var (
	squeezer = sync.OnceValue(func() *zstd.Encoder {
		// Errors come only from bad options.
		e, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
			zstd.WithLowerEncoderMem(true))
		return e
	})
	unsqueezer = sync.OnceValue(func() *zstd.Decoder {
		d, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderLowmem(true))
		return d
	})
)

func squeeze(b []byte) []byte {
	return squeezer().EncodeAll(b, make([]byte, 0, len(b)/3))
}

func unsqueeze(b []byte) ([]byte, error) {
	out, err := unsqueezer().DecodeAll(b, nil)
	if err != nil {
		return nil, fmt.Errorf("unsqueeze: %w", err)
	}
	return out, nil
}
