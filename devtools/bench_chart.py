# SPDX-License-Identifier: BSD-3-Clause
"""devtools/bench.py's tables as one SVG chart (plain SVG, no library):
throughput by direction and size, and shared memory per port by number of
ports, bsdtun beside memif of the same run.

    svg(thr, mem, group) -> str

thr: {(direction, frame bytes): {impl: Mpps or None}}, mem: {ports:
{impl: MiB per port or None}}, medians bench.py computed; group names the
placement group the throughput medians come from.
"""

COLOURS = {'bsdtun': '#2b6cb0', 'memif': '#a0aec0'}
IMPLS = ('bsdtun', 'memif')
THR = [('to_client', 64), ('to_client', 1500), ('to_dpdk', 64),
       ('to_dpdk', 1500)]
LABEL = {'to_client': 'DPDK \u2192 client', 'to_dpdk': 'client \u2192 DPDK'}
PORTS = (1, 8, 32)


def _esc(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;')
            .replace('>', '&gt;'))


def _nice_top(v):
    """A round axis maximum at or above v."""
    if not v:
        return 1.0
    step = 1.0
    while step * 10 < v:
        step *= 10
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= v:
            return m * step
    return 10 * step


def _panel(out, x0, y0, w, h, title, unit, groups):
    """groups: [(label, {impl: value or None}), ...] drawn as bars."""
    top = _nice_top(max([v for _, vals in groups for v in vals.values()
                         if v is not None] or [0]) * 1.1)
    out.append('<text x="%d" y="%d" font-size="14" font-weight="bold">%s'
               '</text>' % (x0, y0 - 14, _esc(title)))
    for i in range(5):
        v = top * i / 4
        y = y0 + h - h * i / 4
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" '
                   'stroke="#e2e8f0"/>' % (x0, y, x0 + w, y))
        out.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end">'
                   '%g</text>' % (x0 - 4, y + 3, round(v, 2)))
    out.append('<text x="%d" y="%d" font-size="10" transform="rotate(-90 '
               '%d %d)" text-anchor="middle">%s</text>' %
               (x0 - 32, y0 + h // 2, x0 - 32, y0 + h // 2, _esc(unit)))
    slot = w / max(len(groups), 1)
    bw = slot / (len(IMPLS) + 1)
    for g, (label, vals) in enumerate(groups):
        for k, impl in enumerate(IMPLS):
            v = vals.get(impl)
            x = x0 + g * slot + bw / 2 + k * bw
            if v is None:
                out.append('<text x="%.1f" y="%d" font-size="9" '
                           'text-anchor="middle">n/a</text>' %
                           (x + bw / 2, y0 + h - 3))
                continue
            bh = h * v / top
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" '
                       'fill="%s"/>' % (x, y0 + h - bh, bw - 2, bh,
                                        COLOURS[impl]))
            out.append('<text x="%.1f" y="%.1f" font-size="9" '
                       'text-anchor="middle">%s</text>' %
                       (x + bw / 2 - 1, y0 + h - bh - 3,
                        ('%.1f' if v >= 10 else '%.2f') % v))
        for j, line in enumerate(label.split('\n')):
            out.append('<text x="%.1f" y="%d" font-size="10" '
                       'text-anchor="middle">%s</text>' %
                       (x0 + g * slot + slot / 2, y0 + h + 14 + 12 * j,
                        _esc(line)))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4a5568"/>' %
               (x0, y0 + h, x0 + w, y0 + h))


def svg(thr, mem, group):
    thr = [('%s\n%d B' % (LABEL[d], size), thr[(d, size)])
           for d, size in THR]
    mem = [('%d port%s' % (n, '' if n == 1 else 's'), mem[n])
           for n in PORTS]

    width, height = 900, 330
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>']
    _panel(out, 60, 50, 470, 210,
           'Throughput, medians (%s placement)' % group, 'Mpps', thr)
    _panel(out, 620, 50, 250, 210, 'Shared memory per port', 'MiB', mem)
    for k, impl in enumerate(IMPLS):
        x = 60 + 110 * k
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' %
                   (x, height - 24, COLOURS[impl]))
        out.append('<text x="%d" y="%d" font-size="12">%s</text>' %
                   (x + 16, height - 14, impl))
    out.append('<text x="300" y="%d" font-size="10">1024 packets each way '
               'per port (qlen=1024, memif rsize=10); Ethernet frame sizes'
               '</text>' % (height - 14))
    out.append('</svg>')
    return '\n'.join(out) + '\n'
