package argon2

import (
	"runtime"
	"runtime/metrics"
)

// yielder lets other goroutines run in the middle of a hash, but only when
// some are waiting for a P. runtime.Gosched alone also wakes an idle P to go
// looking for work, every time: with one hash running and the other core
// idle, that was a futex wake per yield, and now and then a move to the other
// core (a lone hash ran 1–2 % slower, some runs 8 %).
type yielder struct {
	runnable [1]metrics.Sample
}

func newYielder() *yielder {
	y := &yielder{}
	y.runnable[0].Name = "/sched/goroutines/runnable:goroutines"
	return y
}

func (y *yielder) yield() {
	metrics.Read(y.runnable[:])
	if v := y.runnable[0].Value; v.Kind() == metrics.KindUint64 && v.Uint64() == 0 {
		return
	}
	runtime.Gosched() // also when the runtime lacks the metric
}
