#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Limits at their exact boundary (mutations of a comparison survived the
suite before this test, docs/reliability.md).

--max-body BYTES is the largest request body accepted (docs/api.md: "413
above"): a body of exactly BYTES is read and answered by its route, one
byte more is 413 body_too_large, whether the size is announced by
Content-Length (refused before reading) or only counted while a chunked
body arrives."""
import http.client
import json

from ptstest import Daemon, TestCase, main

LIMIT = 100


def body_of(n):
    """A sim-space request of exactly n bytes (padded in a JSON string)."""
    head = b'{"kind":"sim","arch":"x86_64-4l","scenario":"empty","x":"'
    tail = b'"}'
    return head + b'y' * (n - len(head) - len(tail)) + tail


class MaxBody(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(args=['--max-body', str(LIMIT)]).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def post(self, body, chunked):
        c = http.client.HTTPConnection(self.d.host, self.d.port, timeout=30)
        hdrs = {'Content-Type': 'application/json'}
        if chunked:
            c.request('POST', '/api/v1/spaces', body=iter([body[:40],
                      body[40:]]), headers=hdrs, encode_chunked=True)
        else:
            c.request('POST', '/api/v1/spaces', body=body, headers=hdrs)
        r = c.getresponse()
        obj = json.loads(r.read())
        c.close()
        return r.status, obj

    def test_exact_limit_is_read(self):
        for chunked in (False, True):
            body = body_of(LIMIT)
            self.assertEqual(len(body), LIMIT)
            st, obj = self.post(body, chunked)
            # read and parsed: the route answers (an unknown member or a
            # new space), never 413
            self.assertNotEqual(st, 413, (chunked, obj))
            self.assertNotEqual(obj.get('error', {}).get('code'),
                                'body_too_large', chunked)

    def test_one_byte_over_is_413(self):
        for chunked in (False, True):
            body = body_of(LIMIT + 1)
            self.assertEqual(len(body), LIMIT + 1)
            st, obj = self.post(body, chunked)
            self.assertEqual(st, 413, (chunked, obj))
            self.assertEqual(obj['error']['code'], 'body_too_large')


main()
