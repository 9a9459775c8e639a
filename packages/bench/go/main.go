// Command bench-go is the client-go peer of the @org/bench scenarios. It times client-go
// against the same servers and data as the TypeScript clients and prints one JSON line
// {"ms":[...],"n":...} on stdout. It is built once by the bench into ~/.cache/org-bench/.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
)

type result struct {
	Ms []float64 `json:"ms"`
	// CpuMs: user + system CPU time of this process per repetition (all its threads)
	CpuMs []float64 `json:"cpuMs"`
	N     int       `json:"n"`
	// HeapMB: heap held after an informer sync (informer mode)
	HeapMB []float64 `json:"heapMB,omitempty"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench-go: "+format+"\n", args...)
	os.Exit(1)
}

func clientset(kubeconfig string, proto bool) *kubernetes.Clientset {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fail("load kubeconfig %s: %v", kubeconfig, err)
	}
	cfg.QPS = -1 // negative QPS: no client-side rate limiter
	cfg.Burst = 0
	cfg.RateLimiter = nil
	if proto {
		cfg.ContentType = runtime.ContentTypeProtobuf
		cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	} else {
		cfg.ContentType = runtime.ContentTypeJSON
		cfg.AcceptContentTypes = runtime.ContentTypeJSON
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail("new clientset: %v", err)
	}
	return cs
}

func since(t time.Time) float64 { return float64(time.Since(t).Nanoseconds()) / 1e6 }

// cpuMs is the user + system CPU time this process has used so far, in ms.
func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

func emit(r result) {
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fail("write result: %v", err)
	}
}

// toProto reads a JSON PodList on stdin and writes it in the Kubernetes protobuf envelope.
func toProto() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read stdin: %v", err)
	}
	var list corev1.PodList
	if err := runtime.DecodeInto(scheme.Codecs.UniversalDeserializer(), data, &list); err != nil {
		fail("decode JSON PodList: %v", err)
	}
	info, ok := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok {
		fail("no protobuf serializer")
	}
	enc := scheme.Codecs.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion)
	out, err := runtime.Encode(enc, &list)
	if err != nil {
		fail("encode protobuf: %v", err)
	}
	if _, err := os.Stdout.Write(out); err != nil {
		fail("write stdout: %v", err)
	}
}

var clientsets = map[string]*kubernetes.Clientset{}

// cachedClientset keeps one clientset (one transport, one connection pool) per kubeconfig and
// content type for the life of the process, as an application does.
func cachedClientset(kubeconfig string, proto bool) *kubernetes.Clientset {
	key := fmt.Sprintf("%s %v", kubeconfig, proto)
	if cs, ok := clientsets[key]; ok {
		return cs
	}
	cs := clientset(kubeconfig, proto)
	clientsets[key] = cs
	return cs
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: bench-go list|watch|get|toproto|serve [flags]")
	}
	switch os.Args[1] {
	case "toproto":
		toProto()
	case "serve":
		// one JSON array of arguments per stdin line, one JSON result per stdout line
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var args []string
			if err := json.Unmarshal(sc.Bytes(), &args); err != nil || len(args) == 0 {
				fail("serve: want a JSON array of arguments per line, got %q", sc.Text())
			}
			emit(run(args[0], args[1:]))
		}
	default:
		emit(run(os.Args[1], os.Args[2:]))
	}
}

func run(mode string, argv []string) result {
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the server")
	ns := fs.String("namespace", "bench", "namespace")
	name := fs.String("name", "bench-cm", "ConfigMap name (get)")
	proto := fs.Bool("proto", false, "request protobuf (list)")
	reps := fs.Int("reps", 5, "timed repetitions")
	warmup := fs.Int("warmup", 1, "untimed repetitions first")
	count := fs.Int("count", 1000, "requests per repetition (get)")
	warmupCount := fs.Int("warmupcount", 0, "requests per warm-up repetition (get; 0: -count)")
	conc := fs.Int("concurrency", 1, "concurrent requests (get)")
	workers := fs.Int("workers", 1, "workers taking items (workqueue)")
	keys := fs.Int("keys", 0, "workqueue: cycle this many keys (each added again after done) instead of count distinct items")
	warmNs := fs.String("warmns", "", "namespace of the warm-up run (informer, informer-watch)")
	_ = fs.Parse(argv)
	if mode == "workqueue" {
		return workqueueRun(*count, *keys, *workers, *warmup, *reps)
	}
	cs := cachedClientset(*kubeconfig, *proto)
	if mode == "informer" || mode == "informer-watch" {
		events := 0
		if mode == "informer-watch" {
			events = *count
		}
		return informerRun(cs, *ns, *warmNs, events, *warmup, *reps)
	}
	ctx := context.Background()
	var r result
	for i := 0; i < *warmup+*reps; i++ {
		start, cpu0 := time.Now(), cpuMs()
		switch mode {
		case "list":
			list, err := cs.CoreV1().Pods(*ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				fail("list pods: %v", err)
			}
			r.N = len(list.Items)
		case "watch":
			w, err := cs.CoreV1().Pods(*ns).Watch(ctx, metav1.ListOptions{})
			if err != nil {
				fail("watch pods: %v", err)
			}
			n := 0
			for ev := range w.ResultChan() {
				if _, ok := ev.Object.(*corev1.Pod); !ok {
					fail("watch event %d: unexpected object %T", n, ev.Object)
				}
				n++
			}
			r.N = n
		case "get":
			var wg sync.WaitGroup
			per := *count / *conc
			if i < *warmup && *warmupCount > 0 {
				per = *warmupCount / *conc // warm-up in the same mode, as the TypeScript clients do
			}
			errs := make(chan error, *conc)
			for c := 0; c < *conc; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < per; j++ {
						if _, err := cs.CoreV1().ConfigMaps(*ns).Get(ctx, *name, metav1.GetOptions{}); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				fail("get configmap: %v", err)
			}
			r.N = per * *conc
		default:
			fail("unknown mode %q", mode)
		}
		if i >= *warmup {
			r.Ms = append(r.Ms, since(start))
			r.CpuMs = append(r.CpuMs, cpuMs()-cpu0)
		}
	}
	return r
}

// informerRun times client-go's SharedIndexInformer on pods of `ns`: until HasSynced (events == 0),
// or until its handler got `events` add/update notifications. The warm-up runs go against `warmNs`.
// With events == 0 it also reports the heap held after the sync (HeapAlloc after GC, minus before).
func informerRun(cs *kubernetes.Clientset, ns, warmNs string, events, warmup, reps int) result {
	var r result
	for i := 0; i < warmup+reps; i++ {
		target := ns
		if i < warmup && warmNs != "" {
			target = warmNs
		}
		goruntime.GC()
		var before goruntime.MemStats
		goruntime.ReadMemStats(&before)
		start, cpu0 := time.Now(), cpuMs()
		lw := cache.NewListWatchFromClient(cs.CoreV1().RESTClient(), "pods", target, fields.Everything())
		inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		var n atomic.Int64
		want := int64(events)
		if i < warmup && events > 0 {
			want = int64(events / 10)
		}
		reached := make(chan struct{})
		var once sync.Once
		count := func() {
			if n.Add(1) == want {
				once.Do(func() { close(reached) })
			}
		}
		if events > 0 {
			if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc:    func(any) { count() },
				UpdateFunc: func(any, any) { count() },
			}); err != nil {
				fail("add handler: %v", err)
			}
		}
		stop := make(chan struct{})
		go inf.Run(stop)
		if events > 0 {
			<-reached
		} else {
			// poll at 1 ms (cache.WaitForCacheSync polls at 100 ms)
			for !inf.HasSynced() {
				time.Sleep(time.Millisecond)
			}
		}
		ms := since(start)
		if i >= warmup {
			r.Ms = append(r.Ms, ms)
			r.CpuMs = append(r.CpuMs, cpuMs()-cpu0)
			if events == 0 {
				r.N = len(inf.GetStore().ListKeys())
				goruntime.GC()
				var after goruntime.MemStats
				goruntime.ReadMemStats(&after)
				r.HeapMB = append(r.HeapMB, float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20))
			} else {
				r.N = int(n.Load())
			}
		}
		goruntime.KeepAlive(inf)
		close(stop)
	}
	return r
}

// workqueueRun times client-go's typed workqueue, `workers` goroutines taking items (Get) and marking
// them done (Done). keys = 0: `count` distinct items added by one producer, until the queue is
// drained; keys > 0: `count` get → done → add cycles over `keys` keys, as a controller with that many
// objects sees them (each key is added again after its worker is done, until `count` are done).
func workqueueRun(count, keys, workers, warmup, reps int) result {
	n := keys
	if n == 0 {
		n = count
	}
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf("ns/item-%d", i)
	}
	var r result
	for i := 0; i < warmup+reps; i++ {
		start, cpu0 := time.Now(), cpuMs()
		q := workqueue.NewTyped[string]()
		var processed atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					item, shutdown := q.Get()
					if shutdown {
						return
					}
					q.Done(item)
					if keys == 0 {
						continue // distinct items: no counting, the drain after ShutDown ends the loop
					}
					if done := processed.Add(1); done <= int64(count-keys) {
						q.Add(item)
					} else if done == int64(count) {
						q.ShutDown()
					}
				}
			}()
		}
		for _, it := range items {
			q.Add(it)
		}
		if keys == 0 {
			q.ShutDown()
		}
		wg.Wait()
		if i >= warmup {
			r.Ms = append(r.Ms, since(start))
			r.CpuMs = append(r.CpuMs, cpuMs()-cpu0)
		}
		r.N = count
	}
	return r
}
