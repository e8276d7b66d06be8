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
  ;; squared L2, to outIdx[i] (i32), and that distance to outDist[i] (f32). Ties keep the lower index. Centroids are
  ;; visited in tiles of about 64 KiB, each tile against every point of the batch, so a tile stays in cache while
  ;; the points stream past it (one point against all of a large codebook would reread it from memory per point).
  ;; `scratch` is 16 bytes for the four-wide distance kernel.
  (func (export "l2_argmin_f32") (param $pts i32) (param $pstride i32) (param $count i32)
                                 (param $cents i32) (param $cstride i32) (param $k i32) (param $n i32)
                                 (param $scratch i32) (param $outIdx i32) (param $outDist i32)
    (local $tile i32) (local $c0 i32) (local $ct i32) (local $i i32) (local $p i32) (local $c i32) (local $j i32)
    (local $best f32) (local $bi i32) (local $d f32)
    ;; tile = max(4, floor(65536 / cstride) rounded down to a multiple of 4)
    (local.set $tile (i32.and (i32.div_u (i32.const 65536) (select (local.get $cstride) (i32.const 1) (local.get $cstride)))
      (i32.const -4)))
    (if (i32.lt_u (local.get $tile) (i32.const 4)) (then (local.set $tile (i32.const 4))))
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
            (local.set $p (i32.add (local.get $pts) (i32.mul (local.get $i) (local.get $pstride))))
            (local.set $best (f32.load (i32.add (local.get $outDist) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $bi (i32.load (i32.add (local.get $outIdx) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $c (i32.add (local.get $cents) (i32.mul (local.get $c0) (local.get $cstride))))
            (local.set $j (i32.const 0))
            (block $quads
              (loop $quadloop
                (br_if $quads (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $ct)))
                (call $l24_f32 (local.get $p) (local.get $c)
                  (i32.add (local.get $c) (local.get $cstride))
                  (i32.add (local.get $c) (i32.shl (local.get $cstride) (i32.const 1)))
                  (i32.add (local.get $c) (i32.mul (local.get $cstride) (i32.const 3)))
                  (local.get $n) (local.get $scratch))
                (local.set $d (f32.load (local.get $scratch)))
                (if (f32.lt (local.get $d) (local.get $best))
                  (then (local.set $best (local.get $d)) (local.set $bi (i32.add (local.get $c0) (local.get $j)))))
                (local.set $d (f32.load offset=4 (local.get $scratch)))
                (if (f32.lt (local.get $d) (local.get $best))
                  (then (local.set $best (local.get $d)) (local.set $bi (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 1)))))
                (local.set $d (f32.load offset=8 (local.get $scratch)))
                (if (f32.lt (local.get $d) (local.get $best))
                  (then (local.set $best (local.get $d)) (local.set $bi (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 2)))))
                (local.set $d (f32.load offset=12 (local.get $scratch)))
                (if (f32.lt (local.get $d) (local.get $best))
                  (then (local.set $best (local.get $d)) (local.set $bi (i32.add (i32.add (local.get $c0) (local.get $j)) (i32.const 3)))))
                (local.set $c (i32.add (local.get $c) (i32.shl (local.get $cstride) (i32.const 2))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $quadloop)))
            (block $rest
              (loop $restloop
                (br_if $rest (i32.ge_u (local.get $j) (local.get $ct)))
                (local.set $d (call $l2_f32 (local.get $p) (local.get $c) (local.get $n)))
                (if (f32.lt (local.get $d) (local.get $best))
                  (then (local.set $best (local.get $d)) (local.set $bi (i32.add (local.get $c0) (local.get $j)))))
                (local.set $c (i32.add (local.get $c) (local.get $cstride)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $restloop)))
            (f32.store (i32.add (local.get $outDist) (i32.shl (local.get $i) (i32.const 2))) (local.get $best))
            (i32.store (i32.add (local.get $outIdx) (i32.shl (local.get $i) (i32.const 2))) (local.get $bi))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $pointloop)))
        (local.set $c0 (i32.add (local.get $c0) (local.get $ct)))
        (br $tileloop))))
)
