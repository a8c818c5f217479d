package bench

import (
	"math/bits"
	"time"
)

// latencyHist is a log-linear histogram of durations in nanoseconds: values
// below histSub are exact, larger ones fall in one of histSub linear
// sub-buckets of their power of two, so any recorded value is known to
// within 1/histSub (1.6 %). It is the simple stand-in for an HDR histogram
// (none is available from the module proxy here): recording is one shift
// and one increment, and merging is an add per bucket. Not safe for
// concurrent use; each reader goroutine owns one and they are merged after
// the readers have stopped.
type latencyHist struct {
	counts [histBuckets]uint64
	n      uint64
	max    int64
}

const (
	histSubBits = 6
	histSub     = 1 << histSubBits // linear sub-buckets per power of two
	// histExps powers of two above histSub cover up to 2^(histExps+histSubBits)
	// ns (about 70 minutes): far beyond any latency a bounded run sees.
	histExps    = 36
	histBuckets = histSub * (histExps + 1)
)

func histIndex(v int64) int {
	if v < histSub {
		if v < 0 {
			return 0 // clocks are one process's: only a clock step gives this
		}
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - histSubBits - 1 // v>>shift is in [histSub, 2*histSub)
	if shift >= histExps {
		return histBuckets - 1
	}
	return (shift+1)*histSub + int(v>>shift) - histSub
}

// histUpper is the largest value that falls in bucket i, so percentiles
// are reported on the safe (pessimistic) side.
func histUpper(i int) int64 {
	if i < histSub {
		return int64(i)
	}
	shift := i/histSub - 1
	base := int64(i%histSub+histSub) << shift
	return base + (int64(1) << shift) - 1
}

func (h *latencyHist) record(d int64) {
	h.counts[histIndex(d)]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

func (h *latencyHist) merge(o *latencyHist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the value below which a fraction q of the recordings
// fall (q in [0,1]), never more than the exact maximum.
func (h *latencyHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			if i == histBuckets-1 { // the overflow bucket: only max is known
				return time.Duration(h.max)
			}
			return time.Duration(min(histUpper(i), h.max))
		}
	}
	return time.Duration(h.max)
}
