;; Int8 distance kernels, WebAssembly SIMD.
;;
;; dot_i8*: both sides int8 (symmetric scalar quantization with one scale). Eight int8 are sign-extended to
;; i16x8 by v128.load8x8_s and multiplied pairwise into i32x4 by i32x4.dot_i16x8_s. A product is at most
;; 128*128 = 2^14, so i32 lanes are exact while dim <= 131071 (|sum| <= 2^14 * dim < 2^31).
;; Integer adds have one-cycle latency, so one accumulator per candidate is enough.
;;
;; dot_f32i8*: float32 query weights times int8 codes (asymmetric: per-dimension scale/offset is folded into
;; the query by the caller). Codes are widened i8 -> i16 -> i32 -> f32 and multiplied in f32x4.
;;
;; dot_i16i8*: int16 query weights times int8 codes, the same asymmetric product with the query pre-scaled to
;; int16 by the caller: eight codes are widened by v128.load8x8_s and meet eight query lanes in one
;; i32x4.dot_i16x8_s, so it runs at int8 speed. Exact in i32 while 128 * max|query| * dim < 2^31.
;;
;; Pointers are byte offsets, `n` the dimension; loops count down (no end-pointer wrap at 4 GiB).
(module
  (import "env" "memory" (memory 1 65536))

  (func $hsum4_i32 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    (local.set $ab (i32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (i32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
    (i32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $ab) (local.get $cd))))

  (func $hsum4_f32 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    (local.set $ab (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $ab) (local.get $cd))))

  ;; ---------------------------------------------------------------- int8 x int8

  (func $dot_i8 (export "dot_i8") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $acc0 v128) (local $acc1 v128) (local $k i32) (local $s i32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 5)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $acc0 (i32x4.add (local.get $acc0) (i32x4.add
          (i32x4.dot_i16x8_s (v128.load8x8_s (local.get $a)) (v128.load8x8_s (local.get $b)))
          (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $a)) (v128.load8x8_s offset=8 (local.get $b))))))
        (local.set $acc1 (i32x4.add (local.get $acc1) (i32x4.add
          (i32x4.dot_i16x8_s (v128.load8x8_s offset=16 (local.get $a)) (v128.load8x8_s offset=16 (local.get $b)))
          (i32x4.dot_i16x8_s (v128.load8x8_s offset=24 (local.get $a)) (v128.load8x8_s offset=24 (local.get $b))))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $k (i32.and (i32.shr_u (local.get $n) (i32.const 3)) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $acc0 (i32x4.add (local.get $acc0)
          (i32x4.dot_i16x8_s (v128.load8x8_s (local.get $a)) (v128.load8x8_s (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $b (i32.add (local.get $b) (i32.const 8)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $acc0 (i32x4.add (local.get $acc0) (local.get $acc1)))
    (local.set $s (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc0)) (i32x4.extract_lane 1 (local.get $acc0)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc0)) (i32x4.extract_lane 3 (local.get $acc0)))))
    (local.set $k (i32.and (local.get $n) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (i32.add (local.get $s)
          (i32.mul (i32.load8_s (local.get $a)) (i32.load8_s (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.get $s))

  ;; Four int8 dot products q.p0 .. q.p3 stored as four i32 at `out`.
  (func $dot4_i8 (param $q i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
                 (param $n i32) (param $out i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $x v128) (local $y v128) (local $k i32) (local $s i32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 4)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $x (v128.load8x8_s (local.get $q)))
        (local.set $y (v128.load8x8_s offset=8 (local.get $q)))
        (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
          (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p0)))
          (i32x4.dot_i16x8_s (local.get $y) (v128.load8x8_s offset=8 (local.get $p0))))))
        (local.set $a1 (i32x4.add (local.get $a1) (i32x4.add
          (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p1)))
          (i32x4.dot_i16x8_s (local.get $y) (v128.load8x8_s offset=8 (local.get $p1))))))
        (local.set $a2 (i32x4.add (local.get $a2) (i32x4.add
          (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p2)))
          (i32x4.dot_i16x8_s (local.get $y) (v128.load8x8_s offset=8 (local.get $p2))))))
        (local.set $a3 (i32x4.add (local.get $a3) (i32x4.add
          (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p3)))
          (i32x4.dot_i16x8_s (local.get $y) (v128.load8x8_s offset=8 (local.get $p3))))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 16)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 16)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (if (i32.and (local.get $n) (i32.const 8))
      (then
        (local.set $x (v128.load8x8_s (local.get $q)))
        (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p0)))))
        (local.set $a1 (i32x4.add (local.get $a1) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p1)))))
        (local.set $a2 (i32x4.add (local.get $a2) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p2)))))
        (local.set $a3 (i32x4.add (local.get $a3) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 8)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 8)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 8)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 8)))))
    (v128.store (local.get $out)
      (call $hsum4_i32 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))
    (local.set $k (i32.and (local.get $n) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (i32.load8_s (local.get $q)))
        (i32.store (local.get $out) (i32.add (i32.load (local.get $out))
          (i32.mul (local.get $s) (i32.load8_s (local.get $p0)))))
        (i32.store offset=4 (local.get $out) (i32.add (i32.load offset=4 (local.get $out))
          (i32.mul (local.get $s) (i32.load8_s (local.get $p1)))))
        (i32.store offset=8 (local.get $out) (i32.add (i32.load offset=8 (local.get $out))
          (i32.mul (local.get $s) (i32.load8_s (local.get $p2)))))
        (i32.store offset=12 (local.get $out) (i32.add (i32.load offset=12 (local.get $out))
          (i32.mul (local.get $s) (i32.load8_s (local.get $p3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 1)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 1)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 1)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 1)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  (func (export "dot_i8_block") (param $q i32) (param $base i32) (param $stride i32) (param $count i32)
                                (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $dot4_i8 (local.get $q) (local.get $base)
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
        (i32.store (local.get $out) (call $dot_i8 (local.get $q) (local.get $base) (local.get $n)))
        (local.set $base (i32.add (local.get $base) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  (func (export "dot_i8_gather") (param $q i32) (param $base i32) (param $stride i32) (param $ids i32)
                                 (param $count i32) (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $dot4_i8 (local.get $q)
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
        (i32.store (local.get $out) (call $dot_i8 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
          (local.get $n)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  ;; ---------------------------------------------------------------- float32 query x int8 codes

  (func $dot_f32i8 (export "dot_f32i8") (param $q i32) (param $c i32) (param $n i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $w v128)
    (local $k i32) (local $s f32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 4)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $w (v128.load8x8_s (local.get $c)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))))))
        (local.set $w (v128.load8x8_s offset=8 (local.get $c)))
        (local.set $acc2 (f32x4.add (local.get $acc2)
          (f32x4.mul (v128.load offset=32 (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))))))
        (local.set $acc3 (f32x4.add (local.get $acc3)
          (f32x4.mul (v128.load offset=48 (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))))))
        (local.set $q (i32.add (local.get $q) (i32.const 64)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (if (i32.and (local.get $n) (i32.const 8))
      (then
        (local.set $w (v128.load8x8_s (local.get $c)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))))))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1))
                                (f32x4.add (local.get $acc2) (local.get $acc3))))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
    (local.set $k (i32.and (local.get $n) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (local.get $q)) (f32.convert_i32_s (i32.load8_s (local.get $c))))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.get $s))

  ;; Four float-query x int8-code dot products stored as four f32 at `out`.
  (func $dot4_f32i8 (param $q i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
                    (param $n i32) (param $out i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $x v128) (local $y v128) (local $w v128) (local $k i32) (local $s f32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $x (v128.load (local.get $q)))
        (local.set $y (v128.load offset=16 (local.get $q)))
        (local.set $w (v128.load8x8_s (local.get $p0)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $y) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))))))
        (local.set $w (v128.load8x8_s (local.get $p1)))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $y) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))))))
        (local.set $w (v128.load8x8_s (local.get $p2)))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $y) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))))))
        (local.set $w (v128.load8x8_s (local.get $p3)))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $w))))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $y) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $w))))))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 8)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 8)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 8)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 8)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (v128.store (local.get $out) (call $hsum4_f32
      (f32x4.add (local.get $a0) (local.get $b0)) (f32x4.add (local.get $a1) (local.get $b1))
      (f32x4.add (local.get $a2) (local.get $b2)) (f32x4.add (local.get $a3) (local.get $b3))))
    (local.set $k (i32.and (local.get $n) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (f32.load (local.get $q)))
        (f32.store (local.get $out) (f32.add (f32.load (local.get $out))
          (f32.mul (local.get $s) (f32.convert_i32_s (i32.load8_s (local.get $p0))))))
        (f32.store offset=4 (local.get $out) (f32.add (f32.load offset=4 (local.get $out))
          (f32.mul (local.get $s) (f32.convert_i32_s (i32.load8_s (local.get $p1))))))
        (f32.store offset=8 (local.get $out) (f32.add (f32.load offset=8 (local.get $out))
          (f32.mul (local.get $s) (f32.convert_i32_s (i32.load8_s (local.get $p2))))))
        (f32.store offset=12 (local.get $out) (f32.add (f32.load offset=12 (local.get $out))
          (f32.mul (local.get $s) (f32.convert_i32_s (i32.load8_s (local.get $p3))))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 1)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 1)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 1)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 1)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  (func (export "dot_f32i8_block") (param $q i32) (param $base i32) (param $stride i32) (param $count i32)
                                   (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $dot4_f32i8 (local.get $q) (local.get $base)
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
        (f32.store (local.get $out) (call $dot_f32i8 (local.get $q) (local.get $base) (local.get $n)))
        (local.set $base (i32.add (local.get $base) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  (func (export "dot_f32i8_gather") (param $q i32) (param $base i32) (param $stride i32) (param $ids i32)
                                    (param $count i32) (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $dot4_f32i8 (local.get $q)
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
        (f32.store (local.get $out) (call $dot_f32i8 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
          (local.get $n)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  ;; ---------------------------------------------------------------- int16 query x int8 codes

  (func $dot_i16i8 (export "dot_i16i8") (param $q i32) (param $c i32) (param $n i32) (result i32)
    (local $acc0 v128) (local $acc1 v128) (local $k i32) (local $s i32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 4)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $acc0 (i32x4.add (local.get $acc0)
          (i32x4.dot_i16x8_s (v128.load (local.get $q)) (v128.load8x8_s (local.get $c)))))
        (local.set $acc1 (i32x4.add (local.get $acc1)
          (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $q)) (v128.load8x8_s offset=8 (local.get $c)))))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (if (i32.and (local.get $n) (i32.const 8))
      (then
        (local.set $acc0 (i32x4.add (local.get $acc0)
          (i32x4.dot_i16x8_s (v128.load (local.get $q)) (v128.load8x8_s (local.get $c)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))))
    (local.set $acc0 (i32x4.add (local.get $acc0) (local.get $acc1)))
    (local.set $s (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc0)) (i32x4.extract_lane 1 (local.get $acc0)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc0)) (i32x4.extract_lane 3 (local.get $acc0)))))
    (local.set $k (i32.and (local.get $n) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (i32.add (local.get $s)
          (i32.mul (i32.load16_s (local.get $q)) (i32.load8_s (local.get $c)))))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.get $s))

  ;; Four int16-query x int8-code dot products stored as four i32 at `out`.
  (func $dot4_i16i8 (param $q i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
                    (param $n i32) (param $out i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $x v128) (local $k i32) (local $s i32)
    (local.set $k (i32.shr_u (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $x (v128.load (local.get $q)))
        (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p0)))))
        (local.set $a1 (i32x4.add (local.get $a1) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p1)))))
        (local.set $a2 (i32x4.add (local.get $a2) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p2)))))
        (local.set $a3 (i32x4.add (local.get $a3) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $p3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 8)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 8)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 8)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 8)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (v128.store (local.get $out)
      (call $hsum4_i32 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))
    (local.set $k (i32.and (local.get $n) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s (i32.load16_s (local.get $q)))
        (i32.store (local.get $out) (i32.add (i32.load (local.get $out))
          (i32.mul (local.get $s) (i32.load8_s (local.get $p0)))))
        (i32.store offset=4 (local.get $out) (i32.add (i32.load offset=4 (local.get $out))
          (i32.mul (local.get $s) (i32.load8_s (local.get $p1)))))
        (i32.store offset=8 (local.get $out) (i32.add (i32.load offset=8 (local.get $out))
          (i32.mul (local.get $s) (i32.load8_s (local.get $p2)))))
        (i32.store offset=12 (local.get $out) (i32.add (i32.load offset=12 (local.get $out))
          (i32.mul (local.get $s) (i32.load8_s (local.get $p3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 1)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 1)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 1)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 1)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  (func (export "dot_i16i8_block") (param $q i32) (param $base i32) (param $stride i32) (param $count i32)
                                   (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $dot4_i16i8 (local.get $q) (local.get $base)
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
        (i32.store (local.get $out) (call $dot_i16i8 (local.get $q) (local.get $base) (local.get $n)))
        (local.set $base (i32.add (local.get $base) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))

  (func (export "dot_i16i8_gather") (param $q i32) (param $base i32) (param $stride i32) (param $ids i32)
                                    (param $count i32) (param $n i32) (param $out i32)
    (local $k i32)
    (local.set $k (i32.shr_u (local.get $count) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (call $dot4_i16i8 (local.get $q)
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
        (i32.store (local.get $out) (call $dot_i16i8 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
          (local.get $n)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
)
