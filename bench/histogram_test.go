package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestBucketsAreContiguous(t *testing.T) {
	prevHi := int64(-1)
	for i := 0; i < histBuckets; i++ {
		lo, hi := bucketBounds(i)
		if lo != prevHi+1 || hi < lo {
			t.Fatalf("bucket %d = [%d,%d], previous ended at %d", i, lo, hi, prevHi)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d: bucketOf(%d)=%d bucketOf(%d)=%d", i, lo, bucketOf(lo), hi, bucketOf(hi))
		}
		prevHi = hi
		if hi == math.MaxInt64 {
			if i != histBuckets-1 {
				t.Fatalf("bucket %d reaches MaxInt64 but there are %d buckets", i, histBuckets)
			}
			return
		}
	}
	t.Fatalf("buckets end at %d, below MaxInt64", prevHi)
}

func TestQuantilesExactForSmallValues(t *testing.T) {
	var h Histogram
	for v := 100; v >= 1; v-- {
		h.Record(time.Duration(v))
	}
	cases := []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}, {0.001, 1}}
	for _, c := range cases {
		if got := h.Quantile(c.q); got != c.want {
			t.Errorf("q%.3f = %d, want %d", c.q, got, c.want)
		}
	}
	s := h.Summary()
	if s.Count != 100 || s.MaxMs != 100e-6 || s.MinMs != 1e-6 || math.Abs(s.MeanMs-50.5e-6) > 1e-12 {
		t.Errorf("summary = %+v", s)
	}
}

func TestQuantilesWithinPrecision(t *testing.T) {
	var h Histogram
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]time.Duration, 20000)
	var wg sync.WaitGroup
	for i := range vals {
		vals[i] = time.Duration(r.ExpFloat64() * float64(3*time.Millisecond))
	}
	for part := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, v := range vals[part*5000 : (part+1)*5000] {
				h.Record(v)
			}
		}()
	}
	wg.Wait()
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
		got := h.Quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/64+1 {
			t.Errorf("q%v = %v, exact %v: outside 1/64", q, got, exact)
		}
	}
	if h.Max() != vals[len(vals)-1] {
		t.Errorf("max = %v, want %v", h.Max(), vals[len(vals)-1])
	}
}

func TestEmptyHistogram(t *testing.T) {
	var h Histogram
	if h.Quantile(0.99) != 0 || h.Summary() != (Summary{}) {
		t.Fatal("empty histogram must report zeros")
	}
	h.Record(-5)
	if h.Quantile(1) != 0 || h.Count() != 1 {
		t.Fatal("negative durations count as zero")
	}
}
