#!/usr/bin/env python3
"""Where a RoundTrip fork's samples went, from a JFR recording (see results/profile-record-jsonb.md).

    jfr print --json --events jdk.CPUTimeSample rec.jfr > cpu.json
    python3 cpcluster-benchmarks/jfr-shares.py cpu.json

Takes the samples of the last 12 s that the JMH worker thread was sampled in (the measurement
iterations: 3 x 4 s), sorts each into the first category whose test its stack passes, and prints
the shares, the top frames, and the methods on the stacks of the JSON-B samples.
"""
import collections
import datetime
import json
import sys


def stamp(event):
    text = event['values']['startTime'].replace('Z', '')[:26]
    return datetime.datetime.fromisoformat(text)


def frames(event):
    trace = event['values'].get('stackTrace') or {}
    return [f['method']['type']['name'].replace('/', '.') + '.' + f['method']['name'] for f in trace.get('frames', [])]


def thread(event):
    t = event['values'].get('sampledThread') or event['values'].get('eventThread') or {}
    return t.get('javaName') or t.get('osName') or ''


def yasson(s):
    return any(f.startswith('org.eclipse.') for f in s)


# First match wins; whole stacks are searched because a virtual thread's stack can be cut short.
CATEGORIES = [
    ('JSON-B deserialize (Yasson, Parsson)', lambda s: yasson(s) and any(
        w in f for f in s for w in ('Deserializ', 'fromJson', 'Parser', 'Tokenizer'))),
    ('JSON-B serialize (Yasson, Parsson)', yasson),
    ('Payloads: String <-> UTF-8 bytes', lambda s: any('wire.Payloads.' in f for f in s)),
    ('socket write (system call)', lambda s: any('SocketDispatcher.write' in f or 'NioSocketImpl.write' in f
                                                 for f in s)),
    ('socket read and poll (system call)', lambda s: any(w in f for f in s for w in (
        'SocketDispatcher.read', 'NioSocketImpl.read', 'NioSocketImpl.park', 'Net.poll'))),
    ('hand-offs: park, unpark, executors', lambda s: any(
        f.startswith('java.util.concurrent.') or 'LockSupport' in f or 'VirtualThread' in f
        or 'Continuation' in f for f in s[:12])),
    ('CPCluster link and frame code', lambda s: any(f.startswith('io.cpcluster.core') for f in s)),
    ('JMH harness', lambda s: any(f.startswith('org.openjdk.jmh') for f in s)),
    ('no Java stack (JIT, GC, VM)', lambda s: not s),
]


def main(path):
    events = json.load(open(path))['recording']['events']
    worker = [e for e in events if 'jmh-worker' in thread(e)]
    end = max(stamp(e) for e in (worker or events))
    start = end - datetime.timedelta(seconds=12)
    window = [e for e in events if start <= stamp(e) <= end]
    shares, tops, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
    json_b = 0
    for event in window:
        s = frames(event)
        shares[next((name for name, test in CATEGORIES if test(s)), 'other')] += 1
        if s:
            tops[s[0]] += 1
        if yasson(s):
            json_b += 1
            inclusive.update(set(s))
    n = len(window)
    print(f'{path}: {n} samples in the measurement window, of {len(events)}')
    for name, count in shares.most_common():
        print(f'  {count / n:6.1%} {count:5d}  {name}')
    print(' top frames (self):')
    for name, count in tops.most_common(12):
        print(f'  {count / n:6.1%} {count:5d}  {name}')
    if json_b:
        print(f' on the stacks of the {json_b} JSON-B samples:')
        for name, count in inclusive.most_common(30):
            print(f'  {count / json_b:6.1%} {count:5d}  {name}')


if __name__ == '__main__':
    main(sys.argv[1])
