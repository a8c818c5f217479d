package netobj

import (
	"fmt"
	"math/bits"
)

// State is the merged state of an object: the newest value of every field
// ever sent. The zero value is an empty state. A State is not safe for
// concurrent use; Object guards its own.
type State struct {
	mask uint64
	// vals holds one value per set bit of mask, in ascending bit order:
	// objects usually use a few fields, so this beats a [64] array.
	vals [][]byte
	size int // sum of len(vals[i])
}

// Mask returns the set of stored fields.
func (s *State) Mask() uint64 { return s.mask }

// Size returns the stored bytes: the sum of the MessagePack value lengths,
// which is what --max-state-bytes limits.
func (s *State) Size() int { return s.size }

// SizeAfter returns the size the state would have after merging d
// (ErrBadDelta when d's Fields do not match its Mask).
func (s *State) SizeAfter(d Delta) (int, error) {
	if err := d.check(); err != nil {
		return 0, err
	}
	size := s.size
	j := 0
	for m := d.Mask; m != 0; m &= m - 1 {
		bit := uint(bits.TrailingZeros64(m))
		if s.mask&(1<<bit) != 0 {
			size -= len(s.vals[rank(s.mask, bit)])
		}
		size += len(d.Fields[j])
		j++
	}
	return size, nil
}

// Merge applies d field by field, the value in d replacing the stored one.
// When maxBytes > 0 and the merged state would exceed it, Merge returns an
// error wrapping ErrStateTooLarge and changes nothing; a Delta whose Fields
// do not match its Mask is ErrBadDelta, also changing nothing.
//
// Values are copied, reusing the stored value's memory when it fits, so a
// steady stream of same-sized updates does not allocate.
func (s *State) Merge(d Delta, maxBytes int) error {
	// First pass: the resulting size, so a refusal happens before any change.
	size, err := s.SizeAfter(d)
	if err != nil {
		return err
	}
	if maxBytes > 0 && size > maxBytes {
		return fmt.Errorf("state would be %d bytes, limit %d: %w", size, maxBytes, ErrStateTooLarge)
	}
	if added := d.Mask &^ s.mask; added != 0 {
		mask := s.mask | d.Mask
		vals := make([][]byte, bits.OnesCount64(mask))
		k := 0
		for m := s.mask; m != 0; m &= m - 1 {
			vals[rank(mask, uint(bits.TrailingZeros64(m)))] = s.vals[k]
			k++
		}
		s.mask, s.vals = mask, vals
	}
	// Values that do not fit their old storage share one new block.
	need := 0
	j := 0
	for m := d.Mask; m != 0; m &= m - 1 {
		if f := d.Fields[j]; cap(s.vals[rank(s.mask, uint(bits.TrailingZeros64(m)))]) < len(f) {
			need += len(f)
		}
		j++
	}
	var block []byte
	if need > 0 {
		block = make([]byte, need)
	}
	j = 0
	for m := d.Mask; m != 0; m &= m - 1 {
		f := d.Fields[j]
		j++
		r := rank(s.mask, uint(bits.TrailingZeros64(m)))
		v := s.vals[r]
		if cap(v) >= len(f) {
			v = v[:len(f)]
		} else {
			v, block = block[:len(f):len(f)], block[len(f):]
		}
		copy(v, f)
		s.vals[r] = v
	}
	s.size = size
	return nil
}

// Full returns every stored field as one Delta whose values are copied into
// a single new buffer, so it stays valid after later merges.
func (s *State) Full() Delta {
	if s.mask == 0 {
		return Delta{}
	}
	buf := make([]byte, 0, s.size)
	fields := make([][]byte, len(s.vals))
	for i, v := range s.vals {
		start := len(buf)
		buf = append(buf, v...)
		fields[i] = buf[start:len(buf):len(buf)]
	}
	return Delta{Mask: s.mask, Fields: fields}
}

// rank is the index of bit in a mask-ordered slice: the set bits below it.
func rank(mask uint64, bit uint) int {
	return bits.OnesCount64(mask & (1<<bit - 1))
}
