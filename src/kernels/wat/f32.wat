;; Float32 distance kernels: dot product and squared L2, WebAssembly SIMD (f32x4).
;;
;; Every pointer is a byte offset into the imported memory; `n` is the dimension in elements.
;; Pointers need no alignment (v128.load is unaligned-safe; 16-byte alignment only helps the cache).
;; Loops count down remaining elements instead of comparing end pointers, so a vector that ends exactly
;; at the 4 GiB top of a wasm32 memory cannot wrap an end pointer to 0.
;;
;; Single forms use 4 independent f32x4 accumulators (16 floats per iteration) so the float-add latency
;; chain does not bound throughput. The *4 forms compare one query with four candidates per pass: the
;; query chunk is loaded once and each candidate keeps two accumulators (8 in flight).
(module
  (import "env" "memory" (memory 1 65536))

  ;; Sum of the four lanes of each of a, b, c, d, as one vector [sum(a), sum(b), sum(c), sum(d)].
  (func $hsum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    ;; ab = [a0+a2, a1+a3, b0+b2, b1+b3]
    (local.set $ab (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $ab) (local.get $cd))))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; ---------------------------------------------------------------- dot product

  (func $dot_f32 (export "dot_f32") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $k i32) (local $s f32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 4)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $acc2 (f32x4.add (local.get $acc2)
          (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
        (local.set $acc3 (f32x4.add (local.get $acc3)
          (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $k (i32.and (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $s (call $hsum (f32x4.add
      (f32x4.add (local.get $acc0) (local.get $acc1))
      (f32x4.add (local.get $acc2) (local.get $acc3)))))
    (local.set $k (i32.and (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.get $s))

  ;; Four dot products q.p0 .. q.p3, stored as four f32 at `out`.
  (func $dot4_f32 (param $q i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
                  (param $n i32) (param $out i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $x v128) (local $k i32) (local $s f32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $x (v128.load (local.get $q)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load (local.get $p0)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load (local.get $p1)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load (local.get $p2)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load (local.get $p3)))))
        (local.set $x (v128.load offset=16 (local.get $q)))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $p0)))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $p1)))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $p2)))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $p3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 32)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 32)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 32)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 32)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (if (i32.and (local.get $n) (i32.const 4))
      (then
        (local.set $x (v128.load (local.get $q)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load (local.get $p0)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load (local.get $p1)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load (local.get $p2)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load (local.get $p3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 16)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 16)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 16)))))
    (v128.store (local.get $out) (call $hsum4
      (f32x4.add (local.get $a0) (local.get $b0)) (f32x4.add (local.get $a1) (local.get $b1))
      (f32x4.add (local.get $a2) (local.get $b2)) (f32x4.add (local.get $a3) (local.get $b3))))
    (local.set $k (i32.and (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (f32.load (local.get $q)))
        (f32.store (local.get $out) (f32.add (f32.load (local.get $out))
          (f32.mul (local.get $s) (f32.load (local.get $p0)))))
        (f32.store offset=4 (local.get $out) (f32.add (f32.load offset=4 (local.get $out))
          (f32.mul (local.get $s) (f32.load (local.get $p1)))))
        (f32.store offset=8 (local.get $out) (f32.add (f32.load offset=8 (local.get $out))
          (f32.mul (local.get $s) (f32.load (local.get $p2)))))
        (f32.store offset=12 (local.get $out) (f32.add (f32.load offset=12 (local.get $out))
          (f32.mul (local.get $s) (f32.load (local.get $p3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  ;; out[i] = q . (base + i*stride), i < count.
  (func (export "dot_f32_block") (param $q i32) (param $base i32) (param $stride i32) (param $count i32)
                                 (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $dot4_f32 (local.get $q) (local.get $base)
          (i32.add (local.get $base) (local.get $stride))
          (i32.add (local.get $base) (i32.shl (local.get $stride) (i32.const 1)))
          (i32.add (local.get $base) (i32.mul (local.get $stride) (i32.const 3)))
          (local.get $n) (local.get $out))
        (local.set $base (i32.add (local.get $base) (i32.shl (local.get $stride) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $k (i32.and (local.get $count) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (f32.store (local.get $out) (call $dot_f32 (local.get $q) (local.get $base) (local.get $n)))
        (local.set $base (i32.add (local.get $base) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  ;; out[i] = q . (base + ids[i]*stride), i < count; ids is a u32 array.
  (func (export "dot_f32_gather") (param $q i32) (param $base i32) (param $stride i32) (param $ids i32)
                                  (param $count i32) (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $dot4_f32 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
          (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $ids)) (local.get $stride)))
          (i32.add (local.get $base) (i32.mul (i32.load offset=8 (local.get $ids)) (local.get $stride)))
          (i32.add (local.get $base) (i32.mul (i32.load offset=12 (local.get $ids)) (local.get $stride)))
          (local.get $n) (local.get $out))
        (local.set $ids (i32.add (local.get $ids) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $k (i32.and (local.get $count) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (f32.store (local.get $out) (call $dot_f32 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
          (local.get $n)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  ;; ---------------------------------------------------------------- squared L2

  (func $l2_f32 (export "l2_f32") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $d v128)
    (local $k i32) (local $s f32) (local $e f32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 4)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $d (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))))
        (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))
        (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $k (i32.and (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $d (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $s (call $hsum (f32x4.add
      (f32x4.add (local.get $acc0) (local.get $acc1))
      (f32x4.add (local.get $acc2) (local.get $acc3)))))
    (local.set $k (i32.and (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $e (f32.sub (f32.load (local.get $a)) (f32.load (local.get $b))))
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $e) (local.get $e))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.get $s))

  ;; Four squared distances |q-p0|^2 .. |q-p3|^2, stored as four f32 at `out`.
  (func $l24_f32 (param $q i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
                 (param $n i32) (param $out i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $x v128) (local $d v128) (local $k i32) (local $s f32) (local $e f32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $x (v128.load (local.get $q)))
        (local.set $d (f32x4.sub (local.get $x) (v128.load (local.get $p0))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load (local.get $p1))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load (local.get $p2))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load (local.get $p3))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $x (v128.load offset=16 (local.get $q)))
        (local.set $d (f32x4.sub (local.get $x) (v128.load offset=16 (local.get $p0))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load offset=16 (local.get $p1))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load offset=16 (local.get $p2))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load offset=16 (local.get $p3))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 32)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 32)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 32)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 32)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (if (i32.and (local.get $n) (i32.const 4))
      (then
        (local.set $x (v128.load (local.get $q)))
        (local.set $d (f32x4.sub (local.get $x) (v128.load (local.get $p0))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load (local.get $p1))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load (local.get $p2))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $x) (v128.load (local.get $p3))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 16)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 16)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 16)))))
    (v128.store (local.get $out) (call $hsum4
      (f32x4.add (local.get $a0) (local.get $b0)) (f32x4.add (local.get $a1) (local.get $b1))
      (f32x4.add (local.get $a2) (local.get $b2)) (f32x4.add (local.get $a3) (local.get $b3))))
    (local.set $k (i32.and (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (f32.load (local.get $q)))
        (local.set $e (f32.sub (local.get $s) (f32.load (local.get $p0))))
        (f32.store (local.get $out) (f32.add (f32.load (local.get $out)) (f32.mul (local.get $e) (local.get $e))))
        (local.set $e (f32.sub (local.get $s) (f32.load (local.get $p1))))
        (f32.store offset=4 (local.get $out)
          (f32.add (f32.load offset=4 (local.get $out)) (f32.mul (local.get $e) (local.get $e))))
        (local.set $e (f32.sub (local.get $s) (f32.load (local.get $p2))))
        (f32.store offset=8 (local.get $out)
          (f32.add (f32.load offset=8 (local.get $out)) (f32.mul (local.get $e) (local.get $e))))
        (local.set $e (f32.sub (local.get $s) (f32.load (local.get $p3))))
        (f32.store offset=12 (local.get $out)
          (f32.add (f32.load offset=12 (local.get $out)) (f32.mul (local.get $e) (local.get $e))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  (func (export "l2_f32_block") (param $q i32) (param $base i32) (param $stride i32) (param $count i32)
                                (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $l24_f32 (local.get $q) (local.get $base)
          (i32.add (local.get $base) (local.get $stride))
          (i32.add (local.get $base) (i32.shl (local.get $stride) (i32.const 1)))
          (i32.add (local.get $base) (i32.mul (local.get $stride) (i32.const 3)))
          (local.get $n) (local.get $out))
        (local.set $base (i32.add (local.get $base) (i32.shl (local.get $stride) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $k (i32.and (local.get $count) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (f32.store (local.get $out) (call $l2_f32 (local.get $q) (local.get $base) (local.get $n)))
        (local.set $base (i32.add (local.get $base) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  (func (export "l2_f32_gather") (param $q i32) (param $base i32) (param $stride i32) (param $ids i32)
                                 (param $count i32) (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $l24_f32 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
          (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $ids)) (local.get $stride)))
          (i32.add (local.get $base) (i32.mul (i32.load offset=8 (local.get $ids)) (local.get $stride)))
          (i32.add (local.get $base) (i32.mul (i32.load offset=12 (local.get $ids)) (local.get $stride)))
          (local.get $n) (local.get $out))
        (local.set $ids (i32.add (local.get $ids) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $k (i32.and (local.get $count) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (f32.store (local.get $out) (call $l2_f32 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
          (local.get $n)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  ;; ---------------------------------------------------------------- nearest centroid (batched argmin)

  ;; For each of `count` points (pts + i*pstride): the index of its nearest of `k` centroids (cents + c*cstride) by
  ;; squared L2, to outIdx[i] (i32), and that centroid's |c|^2 - 2 p.c to outDist[i] (f32; add |p|^2 for the
  ;; squared distance). `norms` holds the k squared centroid norms (f32). Ties keep the lower index.
  ;;
  ;; Dot-product form (as faiss): argmin |p - c|^2 = argmin |c|^2 - 2 p.c, one multiply-add per element instead of
  ;; subtract-multiply-add. Points go two at a time against four centroids (eight accumulators in registers), so
  ;; each centroid chunk loaded serves two points and each point chunk four centroids. Centroids are visited in
  ;; tiles of about 64 KiB, each tile against every point of the batch, so a tile stays in cache while the points
  ;; stream past it.
  ;;
  ;; Every (point, centroid) product is summed the same way whichever pair or quad it falls in: one f32x4
  ;; accumulator over chunks of four elements (the last chunk's point lanes past n masked to zero), its lanes
  ;; added as (l0+l2)+(l1+l3). So a point's result does not depend on the batch it came in (one point alone, or
  ;; any split over calls and threads, gives the same bits). Loads read whole 16-byte chunks: rows must have room
  ;; for ceil(n/4)*4 floats (strides rounded up to 16 bytes do).
  (func (export "l2_argmin_f32") (param $pts i32) (param $pstride i32) (param $count i32)
                                 (param $cents i32) (param $cstride i32) (param $k i32) (param $n i32)
                                 (param $norms i32) (param $outIdx i32) (param $outDist i32)
    (local $tile i32) (local $c0 i32) (local $ct i32) (local $i i32) (local $j i32) (local $t i32) (local $last i32)
    (local $p0 i32) (local $p1 i32) (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $off i32) (local $full i32) (local $mask v128) (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $h0 v128) (local $h1 v128) (local $nv v128) (local $d0 v128) (local $d1 v128)
    (local $best0 f32) (local $best1 f32) (local $bi0 i32) (local $bi1 i32) (local $d f32) (local $two i32)
    ;; tile = max(4, floor(65536 / cstride) rounded down to a multiple of 4)
    (local.set $tile (i32.and (i32.div_u (i32.const 65536) (select (local.get $cstride) (i32.const 1) (local.get $cstride)))
      (i32.const -4)))
    (if (i32.lt_u (local.get $tile) (i32.const 4)) (then (local.set $tile (i32.const 4))))
    ;; full chunks, and the lane mask of the partial last chunk (all zero when n is a multiple of 4)
    (local.set $full (i32.shr_u (local.get $n) (i32.const 2)))
    (local.set $t (i32.and (local.get $n) (i32.const 3)))
    (local.set $mask (i32x4.gt_s
      (i32x4.splat (local.get $t))
      (v128.const i32x4 0 1 2 3)))
    ;; init
    (local.set $i (i32.const 0))
    (block $done
      (br_if $done (i32.eqz (local.get $count)))
      (loop $next
        (i32.store (i32.add (local.get $outIdx) (i32.shl (local.get $i) (i32.const 2))) (i32.const 0))
        (f32.store (i32.add (local.get $outDist) (i32.shl (local.get $i) (i32.const 2))) (f32.const inf))
        (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $count)))))
    (local.set $c0 (i32.const 0))
    (block $tiles
      (loop $tileloop
        (br_if $tiles (i32.ge_u (local.get $c0) (local.get $k)))
        (local.set $ct (i32.sub (local.get $k) (local.get $c0)))
        (if (i32.gt_u (local.get $ct) (local.get $tile)) (then (local.set $ct (local.get $tile))))
        (local.set $i (i32.const 0))
        (block $points
          (loop $pointloop
            (br_if $points (i32.ge_u (local.get $i) (local.get $count)))
            ;; a pair of points; an odd last point is paired with itself and its twin's result dropped
            (local.set $two (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $count)))
            (local.set $p0 (i32.add (local.get $pts) (i32.mul (local.get $i) (local.get $pstride))))
            (local.set $p1 (select (i32.add (local.get $p0) (local.get $pstride)) (local.get $p0) (local.get $two)))
            (local.set $best0 (f32.load (i32.add (local.get $outDist) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $bi0 (i32.load (i32.add (local.get $outIdx) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $best1 (local.get $best0))
            (local.set $bi1 (local.get $bi0))
            (if (local.get $two) (then
              (local.set $best1 (f32.load offset=4 (i32.add (local.get $outDist) (i32.shl (local.get $i) (i32.const 2)))))
              (local.set $bi1 (i32.load offset=4 (i32.add (local.get $outIdx) (i32.shl (local.get $i) (i32.const 2)))))))
            (local.set $j (i32.const 0))
            (block $quads
              (loop $quadloop
                (br_if $quads (i32.ge_u (local.get $j) (local.get $ct)))
                ;; four centroids from c0+j; past the tile's end, repeat its last one (lanes ignored below)
                (local.set $last (i32.sub (i32.sub (local.get $ct) (local.get $j)) (i32.const 1)))
                (local.set $q0 (i32.add (local.get $cents) (i32.mul (i32.add (local.get $c0) (local.get $j)) (local.get $cstride))))
                (local.set $q1 (i32.add (local.get $q0) (i32.mul (select (i32.const 1) (local.get $last) (i32.gt_u (local.get $last) (i32.const 1))) (local.get $cstride))))
                (local.set $q2 (i32.add (local.get $q0) (i32.mul (select (i32.const 2) (local.get $last) (i32.gt_u (local.get $last) (i32.const 2))) (local.get $cstride))))
                (local.set $q3 (i32.add (local.get $q0) (i32.mul (select (i32.const 3) (local.get $last) (i32.gt_u (local.get $last) (i32.const 3))) (local.get $cstride))))
                (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
                (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
                (local.set $b0 (v128.const i32x4 0 0 0 0)) (local.set $b1 (v128.const i32x4 0 0 0 0))
                (local.set $b2 (v128.const i32x4 0 0 0 0)) (local.set $b3 (v128.const i32x4 0 0 0 0))
                (local.set $off (i32.const 0))
                (local.set $t (local.get $full))
                (block $chunks
                  (br_if $chunks (i32.eqz (local.get $t)))
                  (loop $chunkloop
                    (local.set $x0 (v128.load (i32.add (local.get $p0) (local.get $off))))
                    (local.set $x1 (v128.load (i32.add (local.get $p1) (local.get $off))))
                    (local.set $y (v128.load (i32.add (local.get $q0) (local.get $off))))
                    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x0) (local.get $y))))
                    (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $x1) (local.get $y))))
                    (local.set $y (v128.load (i32.add (local.get $q1) (local.get $off))))
                    (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x0) (local.get $y))))
                    (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $x1) (local.get $y))))
                    (local.set $y (v128.load (i32.add (local.get $q2) (local.get $off))))
                    (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x0) (local.get $y))))
                    (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $x1) (local.get $y))))
                    (local.set $y (v128.load (i32.add (local.get $q3) (local.get $off))))
                    (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x0) (local.get $y))))
                    (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $x1) (local.get $y))))
                    (local.set $off (i32.add (local.get $off) (i32.const 16)))
                    (br_if $chunkloop (local.tee $t (i32.sub (local.get $t) (i32.const 1))))))
                (if (v128.any_true (local.get $mask)) (then
                  (local.set $x0 (v128.and (v128.load (i32.add (local.get $p0) (local.get $off))) (local.get $mask)))
                  (local.set $x1 (v128.and (v128.load (i32.add (local.get $p1) (local.get $off))) (local.get $mask)))
                  (local.set $y (v128.load (i32.add (local.get $q0) (local.get $off))))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x0) (local.get $y))))
                  (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $x1) (local.get $y))))
                  (local.set $y (v128.load (i32.add (local.get $q1) (local.get $off))))
                  (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x0) (local.get $y))))
                  (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $x1) (local.get $y))))
                  (local.set $y (v128.load (i32.add (local.get $q2) (local.get $off))))
                  (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x0) (local.get $y))))
                  (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $x1) (local.get $y))))
                  (local.set $y (v128.load (i32.add (local.get $q3) (local.get $off))))
                  (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x0) (local.get $y))))
                  (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $x1) (local.get $y))))))
                ;; d = |c|^2 - 2 p.c for the four centroids (the norms of repeated ones are never compared)
                (local.set $h0 (call $hsum4 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))
                (local.set $h1 (call $hsum4 (local.get $b0) (local.get $b1) (local.get $b2) (local.get $b3)))
                (local.set $t (i32.shl (i32.add (local.get $c0) (local.get $j)) (i32.const 2)))
                (local.set $nv (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.replace_lane 1
                  (f32x4.splat (f32.load (i32.add (local.get $norms) (local.get $t))))
                  (f32.load (i32.add (i32.add (local.get $norms) (local.get $t))
                    (i32.shl (select (i32.const 1) (local.get $last) (i32.gt_u (local.get $last) (i32.const 1))) (i32.const 2)))))
                  (f32.load (i32.add (i32.add (local.get $norms) (local.get $t))
                    (i32.shl (select (i32.const 2) (local.get $last) (i32.gt_u (local.get $last) (i32.const 2))) (i32.const 2)))))
                  (f32.load (i32.add (i32.add (local.get $norms) (local.get $t))
                    (i32.shl (select (i32.const 3) (local.get $last) (i32.gt_u (local.get $last) (i32.const 3))) (i32.const 2))))))
                (local.set $d0 (f32x4.sub (local.get $nv) (f32x4.add (local.get $h0) (local.get $h0))))
                (local.set $d1 (f32x4.sub (local.get $nv) (f32x4.add (local.get $h1) (local.get $h1))))
                (local.set $d (f32x4.extract_lane 0 (local.get $d0)))
                (if (f32.lt (local.get $d) (local.get $best0))
                  (then (local.set $best0 (local.get $d)) (local.set $bi0 (i32.add (local.get $c0) (local.get $j)))))
                (local.set $d (f32x4.extract_lane 0 (local.get $d1)))
                (if (f32.lt (local.get $d) (local.get $best1))
                  (then (local.set $best1 (local.get $d)) (local.set $bi1 (i32.add (local.get $c0) (local.get $j)))))
                (if (i32.ge_u (local.get $last) (i32.const 1)) (then
                  (local.set $d (f32x4.extract_lane 1 (local.get $d0)))
                  (if (f32.lt (local.get $d) (local.get $best0))
                    (then (local.set $best0 (local.get $d)) (local.set $bi0 (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 1)))))
                  (local.set $d (f32x4.extract_lane 1 (local.get $d1)))
                  (if (f32.lt (local.get $d) (local.get $best1))
                    (then (local.set $best1 (local.get $d)) (local.set $bi1 (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 1)))))))
                (if (i32.ge_u (local.get $last) (i32.const 2)) (then
                  (local.set $d (f32x4.extract_lane 2 (local.get $d0)))
                  (if (f32.lt (local.get $d) (local.get $best0))
                    (then (local.set $best0 (local.get $d)) (local.set $bi0 (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 2)))))
                  (local.set $d (f32x4.extract_lane 2 (local.get $d1)))
                  (if (f32.lt (local.get $d) (local.get $best1))
                    (then (local.set $best1 (local.get $d)) (local.set $bi1 (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 2)))))))
                (if (i32.ge_u (local.get $last) (i32.const 3)) (then
                  (local.set $d (f32x4.extract_lane 3 (local.get $d0)))
                  (if (f32.lt (local.get $d) (local.get $best0))
                    (then (local.set $best0 (local.get $d)) (local.set $bi0 (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 3)))))
                  (local.set $d (f32x4.extract_lane 3 (local.get $d1)))
                  (if (f32.lt (local.get $d) (local.get $best1))
                    (then (local.set $best1 (local.get $d)) (local.set $bi1 (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 3)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $quadloop)))
            (f32.store (i32.add (local.get $outDist) (i32.shl (local.get $i) (i32.const 2))) (local.get $best0))
            (i32.store (i32.add (local.get $outIdx) (i32.shl (local.get $i) (i32.const 2))) (local.get $bi0))
            (if (local.get $two) (then
              (f32.store offset=4 (i32.add (local.get $outDist) (i32.shl (local.get $i) (i32.const 2))) (local.get $best1))
              (i32.store offset=4 (i32.add (local.get $outIdx) (i32.shl (local.get $i) (i32.const 2))) (local.get $bi1))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pointloop)))
        (local.set $c0 (i32.add (local.get $c0) (local.get $ct)))
        (br $tileloop))))
)
