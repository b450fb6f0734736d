package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// cmdLog records the commands a client sends while on, pipelined ones included,
// and can fail every command once a condition is met (a process that dies there).
type cmdLog struct {
	mu   sync.Mutex
	on   bool
	cmds [][]any
	// die, when set, is called after each command or pipeline is sent; once it
	// returns true, every later command fails without being sent.
	die  func(cmds []redis.Cmder) bool
	dead bool
}

var errDead = fmt.Errorf("cmdLog: the process died")

func (r *cmdLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *cmdLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, c redis.Cmder) error {
		if r.before(c) {
			c.SetErr(errDead)
			return errDead
		}
		err := next(ctx, c)
		r.after(c)
		return err
	}
}

func (r *cmdLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cs []redis.Cmder) error {
		if r.before(cs...) {
			for _, c := range cs {
				c.SetErr(errDead)
			}
			return errDead
		}
		err := next(ctx, cs)
		r.after(cs...)
		return err
	}
}

// before notes cs and reports whether the process is dead.
func (r *cmdLog) before(cs ...redis.Cmder) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return true
	}
	if r.on {
		for _, c := range cs {
			r.cmds = append(r.cmds, c.Args())
		}
	}
	return false
}

func (r *cmdLog) after(cs ...redis.Cmder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.die != nil && !r.dead && r.die(cs) {
		r.dead = true
	}
}

// dieAfter makes every command after the first one (or pipeline) that die accepts
// fail without being sent.
func (r *cmdLog) dieAfter(die func(cmds []redis.Cmder) bool) {
	r.mu.Lock()
	r.die = die
	r.mu.Unlock()
}

// revive lets commands through again.
func (r *cmdLog) revive() {
	r.mu.Lock()
	r.die, r.dead = nil, false
	r.mu.Unlock()
}

// start clears what was recorded and records from now on.
func (r *cmdLog) start() {
	r.mu.Lock()
	r.cmds, r.on = nil, true
	r.mu.Unlock()
}

func (r *cmdLog) stop() {
	r.mu.Lock()
	r.on = false
	r.mu.Unlock()
}

// named returns the recorded commands called name (any case).
func (r *cmdLog) named(name string) [][]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]any
	for _, a := range r.cmds {
		if strings.EqualFold(fmt.Sprint(a[0]), name) {
			out = append(out, a)
		}
	}
	return out
}

// maxArgs is the most arguments any recorded command called name had.
func (r *cmdLog) maxArgs(name string) int {
	n := 0
	for _, a := range r.named(name) {
		n = max(n, len(a))
	}
	return n
}
