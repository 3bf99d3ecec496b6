"""wire.py against packets written out by hand from the RSP manual's
rules, not computed by the code under test (make check-py)."""
import unittest

from wire import WireError, checksum_ok, decode, escape, frame, is_hex, le_value, packet, parse


class Framing(unittest.TestCase):
    def test_checksum_is_the_byte_sum_mod_256(self):
        self.assertEqual(frame("OK"), b"$OK#9a")
        self.assertEqual(frame(""), b"$#00")
        self.assertEqual(packet(b"\xff\x02"), b"$\xff\x02#01")

    def test_the_four_special_bytes_are_escaped_and_counted_escaped(self):
        self.assertEqual(escape(b"a#b$c}d*e"), b"a}\x03b}\x04c}]d}\x0ae")
        # '}' (0x7d) then ']' (0x5d): the sum is over what is sent.
        self.assertEqual(frame(b"}"), b"$}]#da")

    def test_other_bytes_pass_unescaped(self):
        plain = bytes(b for b in range(256) if b not in b"#$}*")
        self.assertEqual(escape(plain), plain)


class Decoding(unittest.TestCase):
    def test_escaped_brace_and_friends_come_back(self):
        self.assertEqual(decode(b"a}]b"), b"a}b")
        self.assertEqual(decode(b"}\x03}\x04}]}\x0a"), b"#$}*")

    def test_every_byte_survives_escape_then_decode(self):
        data = bytes(range(256)) * 2
        self.assertEqual(decode(escape(data)), data)

    def test_a_run_repeats_the_previous_byte_count_minus_29_times(self):
        self.assertEqual(decode(b"0* "), b"0000")		# ' ' = 32: 3 more
        self.assertEqual(decode(b"x*~y"), b"x" * 98 + b"y")	# '~' = 126: 97 more
        self.assertEqual(decode(b"ab*!c*\"d"), b"abbbbbccccccd")

    def test_a_run_after_an_escape_repeats_the_escaped_byte(self):
        self.assertEqual(decode(b"}]*!"), b"}" * 5)

    def test_a_star_inside_an_escape_is_data_not_a_run(self):
        self.assertEqual(decode(b"a}\x0a!"), b"a*!")

    def test_malformed_bodies_are_refused(self):
        for raw in (b"*!", b"0*", b"0*\x1f", b"0*\x7f", b"ab}"):
            with self.subTest(raw=raw), self.assertRaises(WireError):
                decode(raw)


class Parsing(unittest.TestCase):
    def test_a_whole_packet_is_checked_and_decoded(self):
        self.assertEqual(parse(b"$0* }]#54"), b"0000}")
        self.assertEqual(parse(b"$OK#9A"), b"OK")	# either case of digits

    def test_a_bad_checksum_is_refused(self):
        for bad in (b"$OK#9b", b"$OK#9g", b"$OK#9", b"OK#9a", b"$OK9a"):
            with self.subTest(packet=bad), self.assertRaises(WireError):
                parse(bad)
        self.assertFalse(checksum_ok(b"OK", b"a9"))
        self.assertTrue(checksum_ok(b"OK", b"9a"))


class Hex(unittest.TestCase):
    def test_registers_are_little_endian(self):
        self.assertEqual(le_value("efbeadde"), 0xDEADBEEF)
        self.assertEqual(le_value("0100000000000000"), 1)

    def test_is_hex_wants_whole_lower_case_bytes(self):
        self.assertTrue(is_hex("00ff"))
        for s in ("", "0", "00FF", "0g"):
            self.assertFalse(is_hex(s), s)
        self.assertFalse(is_hex("xxxx"))
        self.assertTrue(is_hex("xxxx", unavailable=True))


if __name__ == "__main__":
    unittest.main()
