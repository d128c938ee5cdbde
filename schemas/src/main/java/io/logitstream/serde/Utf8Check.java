package io.logitstream.serde;

/**
 * Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF),
 * without decoding or allocating. Avro turns invalid bytes into U+FFFD silently; this tells the
 * two apart, so a replacement character that a producer really sent stays legal.
 */
final class Utf8Check {

    private Utf8Check() {
    }

    static boolean isValid(byte[] data, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int b = data[i] & 0xff;
            if (b < 0x80) {
                i++;
                continue;
            }
            int extra;
            int min;
            int max = 0xbf;
            if (b >= 0xc2 && b <= 0xdf) {
                extra = 1;
                min = 0x80;
            } else if (b >= 0xe0 && b <= 0xef) {
                extra = 2;
                min = b == 0xe0 ? 0xa0 : 0x80; // overlong below U+0800
                max = b == 0xed ? 0x9f : 0xbf; // UTF-16 surrogates
            } else if (b >= 0xf0 && b <= 0xf4) {
                extra = 3;
                min = b == 0xf0 ? 0x90 : 0x80; // overlong below U+10000
                max = b == 0xf4 ? 0x8f : 0xbf; // above U+10FFFF
            } else {
                return false;
            }
            if (end - i <= extra) {
                return false;
            }
            int second = data[i + 1] & 0xff;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= extra; k++) {
                if ((data[i + k] & 0xc0) != 0x80) {
                    return false;
                }
            }
            i += extra + 1;
        }
        return true;
    }
}
