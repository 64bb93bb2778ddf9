#!/usr/bin/env python3
# embed.py: writes a C file defining a NUL-terminated string with the bytes of a data file.
import sys

src, name, out = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* generated from %s: do not edit */\n' % src.rsplit('/', 1)[-1])
    f.write('#include <stddef.h>\n')
    f.write('const char %s[] = {\n' % name)
    for i in range(0, len(data), 16):
        f.write(''.join('%d,' % b for b in data[i:i + 16]) + '\n')
    f.write('0};\nconst size_t %s_len = %d;\n' % (name, len(data)))
