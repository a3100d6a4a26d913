#!/usr/bin/env python3
"""The glue's layers (issue 19): fails on a cycle among src/*.c, on a core
file that includes an nginx header, and on a glue header that includes one
of a layer above it.

    tools/layers.py OBJS_DIR [SRC_DIR]

OBJS_DIR holds the glue's objects as nginx built them
(build/ngx/objs/addon/src).  A file uses another when its object needs
(nm: U) a symbol the other defines (T, D, B, R).  The module object,
ngx_http_auth_jwt_module, is not a use: every layer reaches its
configuration through it, as nginx's own subsystems do with theirs.
The order of the glue's files in ./config (JWTGATE_GLUE_SRCS) is the
stack, top first: a file that calls one above it fails too.  Prints the
layers, top first: a file calls only files of the lines below it.
"""

import os
import re
import subprocess
import sys

PREFIX = 'ngx_http_auth_jwt_'
MODULE = 'ngx_http_auth_jwt_module'


def symbols(path):
    out = subprocess.run(['nm', path], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == 'U':
            used.add(f[1])
        elif len(f) == 3 and f[1] in 'TDBR':
            defined.add(f[2])
    return defined, used


def glue_graph(objs):
    names = sorted(n[:-2] for n in os.listdir(objs)
                   if n.startswith(PREFIX) and n.endswith('.o'))
    if not names:
        sys.exit('layers: no %s*.o in %s (make module first)'
                 % (PREFIX, objs))
    owner, uses = {}, {}
    for n in names:
        defined, used = symbols(os.path.join(objs, n + '.o'))
        for s in defined:
            owner[s] = n
        uses[n] = used
    graph = {}
    for n in names:
        edges = {}
        for s in uses[n]:
            o = owner.get(s)
            if o is not None and o != n and s != MODULE:
                edges.setdefault(o, []).append(s)
        graph[n] = edges
    return graph


def find_cycle(graph):
    """A cycle as a list of nodes, or None (depth first, colors)."""
    color = dict.fromkeys(graph, 0)
    stack = []

    def visit(n):
        color[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if color[m] == 1:
                return stack[stack.index(m):] + [m]
            if color[m] == 0:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        color[n] = 2
        return None

    for n in sorted(graph):
        if color[n] == 0:
            c = visit(n)
            if c:
                return c
    return None


def levels(graph):
    """Each file's height: 0 uses no glue file, else 1 + the highest."""
    memo = {}

    def h(n):
        if n not in memo:
            memo[n] = 1 + max((h(m) for m in graph[n]), default=-1)
        return memo[n]

    for n in graph:
        h(n)
    return memo


def config_order(path):
    """The glue's files as ./config lists them, or None."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(r'JWTGATE_GLUE_SRCS="(.*?)"', text, re.S)
    if m is None:
        return None
    return re.findall(r'src/(' + PREFIX + r'\w+)\.c', m.group(1))


def include_graph(src, pattern):
    graph = {}
    for name in sorted(os.listdir(src)):
        if not re.match(pattern, name):
            continue
        with open(os.path.join(src, name)) as f:
            graph[name] = [m for m in re.findall(
                r'^#include\s+"([^"]+)"', f.read(), re.M)]
    return graph


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    objs = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) > 2 else 'src'
    failed = False

    graph = glue_graph(objs)
    cycle = find_cycle(graph)
    if cycle:
        failed = True
        print('layers: a cycle among src/*.c:')
        for a, b in zip(cycle, cycle[1:]):
            print('    %s.c -> %s.c (%s)'
                  % (a, b, ', '.join(sorted(graph[a][b]))))

    order = config_order(os.path.join(os.path.dirname(os.path.abspath(src)),
                                      'config'))
    if order and not cycle:
        if sorted(order) != sorted(graph):
            failed = True
            print('layers: ./config lists %s, the objects are %s'
                  % (' '.join(sorted(order)), ' '.join(sorted(graph))))
        else:
            rank = {n: i for i, n in enumerate(order)}
            for a in order:
                for b in sorted(graph[a]):
                    if rank[b] < rank[a]:
                        failed = True
                        print('layers: %s.c calls %s.c, above it in ./config '
                              '(%s)' % (a, b, ', '.join(sorted(graph[a][b]))))

    # the glue's headers: one above another only through its includes
    hgraph = {k: [m for m in v if m.startswith(PREFIX)]
              for k, v in include_graph(src, PREFIX + r'\w*\.h$').items()}
    hcycle = find_cycle({k: {m: [] for m in v if m in hgraph}
                         for k, v in hgraph.items()})
    if hcycle:
        failed = True
        print('layers: headers include each other: %s' % ' -> '.join(hcycle))

    # the core: C and its libraries only
    core = os.path.join(src, 'jwt')
    for name in sorted(os.listdir(core)):
        with open(os.path.join(core, name)) as f:
            for i, line in enumerate(f, 1):
                if re.match(r'\s*#\s*include\s*[<"](ngx_|ngx_http_auth)',
                            line):
                    failed = True
                    print('layers: %s/%s:%d includes an nginx header: %s'
                          % (core, name, i, line.strip()))

    if failed:
        sys.exit(1)

    h = levels(graph)
    print('layers: no cycle among %d glue files; top first:' % len(graph))
    for lv in range(max(h.values()), -1, -1):
        files = sorted(n[len(PREFIX):] for n in h if h[n] == lv)
        print('    %d  %s' % (lv, ' '.join(files)))


if __name__ == '__main__':
    main()
