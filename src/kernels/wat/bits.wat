;; Bit-code kernels, WebAssembly SIMD: the scans behind RaBitQ and binary (sign) codes.
;;
;; `dim` is a multiple of 128 (callers pad), so every row is whole 16-byte chunks. Results are exact int32.
;;
;; bits_dot_i8_block: sum_i code_i * query_i, codes of `bits` = 1, 2 or 4 bits per dimension, query int8.
;;   Layout of a row: chunk g (16 bytes) holds dims g*(128/bits) ... ; bits [s*bits, (s+1)*bits) of byte j hold dim
;;   g*(128/bits) + s*16 + j, so one shift and one mask give sixteen consecutive dims that meet sixteen consecutive
;;   query bytes. Codes are < 16, query |q| <= 127: i16 products (and the sum of two) cannot overflow.
;; and_pop4_block: sum_j 2^j popcount(x & q_j) - 8 popcount(x) over four query bit planes: RaBitQ's 1-bit code times
;;   a 4-bit query (Gao & Long 2024) read as signed, u_q - 8 in [-8, 7], so no per-vector popcount has to be stored.
;;   Plane j lies at query + j*dim/8. Per byte the result is in [-64, 120]: it fits a signed byte.
;; hamming_block: popcount(x ^ q) over dim bits.
;;
;; Pointers are byte offsets; loops count down.
(module
  (import "env" "memory" (memory 1 65536))

  (func $hsum (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; u8 lanes -> i32x4 partial sums (unsigned pairwise widening twice).
  (func $widen_u8 (param $v v128) (result v128)
    (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $v))))

  ;; One row of 1-bit codes: 8 shifted, masked groups of sixteen dims per chunk, two accumulators.
  (func $bits_dot1 (param $q i32) (param $c i32) (param $chunks i32) (result i32)
    (local $a0 v128) (local $a1 v128) (local $x v128) (local $v v128) (local $qv v128) (local $mask v128)
    (local.set $mask (i8x16.splat (i32.const 1)))
    (loop $chunk
      (local.set $x (v128.load (local.get $c)))
          (local.set $v (v128.and (local.get $x) (local.get $mask)))
          (local.set $qv (v128.load (local.get $q)))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (v128.and (i8x16.shr_u (local.get $x) (i32.const 1)) (local.get $mask)))
          (local.set $qv (v128.load offset=16 (local.get $q)))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (v128.and (i8x16.shr_u (local.get $x) (i32.const 2)) (local.get $mask)))
          (local.set $qv (v128.load offset=32 (local.get $q)))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (v128.and (i8x16.shr_u (local.get $x) (i32.const 3)) (local.get $mask)))
          (local.set $qv (v128.load offset=48 (local.get $q)))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (v128.and (i8x16.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $qv (v128.load offset=64 (local.get $q)))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (v128.and (i8x16.shr_u (local.get $x) (i32.const 5)) (local.get $mask)))
          (local.set $qv (v128.load offset=80 (local.get $q)))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (v128.and (i8x16.shr_u (local.get $x) (i32.const 6)) (local.get $mask)))
          (local.set $qv (v128.load offset=96 (local.get $q)))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (i8x16.shr_u (local.get $x) (i32.const 7)))
          (local.set $qv (v128.load offset=112 (local.get $q)))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
      (local.set $q (i32.add (local.get $q) (i32.const 128)))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $chunk (local.tee $chunks (i32.sub (local.get $chunks) (i32.const 1)))))
    (call $hsum (i32x4.add (local.get $a0) (local.get $a1))))

  ;; One row of 2-bit codes: 4 shifted, masked groups of sixteen dims per chunk, two accumulators.
  (func $bits_dot2 (param $q i32) (param $c i32) (param $chunks i32) (result i32)
    (local $a0 v128) (local $a1 v128) (local $x v128) (local $v v128) (local $qv v128) (local $mask v128)
    (local.set $mask (i8x16.splat (i32.const 3)))
    (loop $chunk
      (local.set $x (v128.load (local.get $c)))
          (local.set $v (v128.and (local.get $x) (local.get $mask)))
          (local.set $qv (v128.load (local.get $q)))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (v128.and (i8x16.shr_u (local.get $x) (i32.const 2)) (local.get $mask)))
          (local.set $qv (v128.load offset=16 (local.get $q)))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (v128.and (i8x16.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $qv (v128.load offset=32 (local.get $q)))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (i8x16.shr_u (local.get $x) (i32.const 6)))
          (local.set $qv (v128.load offset=48 (local.get $q)))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
      (local.set $q (i32.add (local.get $q) (i32.const 64)))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $chunk (local.tee $chunks (i32.sub (local.get $chunks) (i32.const 1)))))
    (call $hsum (i32x4.add (local.get $a0) (local.get $a1))))

  ;; One row of 4-bit codes: 2 shifted, masked groups of sixteen dims per chunk, two accumulators.
  (func $bits_dot4 (param $q i32) (param $c i32) (param $chunks i32) (result i32)
    (local $a0 v128) (local $a1 v128) (local $x v128) (local $v v128) (local $qv v128) (local $mask v128)
    (local.set $mask (i8x16.splat (i32.const 15)))
    (loop $chunk
      (local.set $x (v128.load (local.get $c)))
          (local.set $v (v128.and (local.get $x) (local.get $mask)))
          (local.set $qv (v128.load (local.get $q)))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
          (local.set $v (i8x16.shr_u (local.get $x) (i32.const 4)))
          (local.set $qv (v128.load offset=16 (local.get $q)))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.extmul_low_i8x16_s (local.get $v) (local.get $qv))
            (i16x8.extmul_high_i8x16_s (local.get $v) (local.get $qv))))))
      (local.set $q (i32.add (local.get $q) (i32.const 32)))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $chunk (local.tee $chunks (i32.sub (local.get $chunks) (i32.const 1)))))
    (call $hsum (i32x4.add (local.get $a0) (local.get $a1))))

  (func $bits_dot (param $q i32) (param $c i32) (param $chunks i32) (param $bits i32) (result i32)
    (if (result i32) (i32.eq (local.get $bits) (i32.const 4))
      (then (call $bits_dot4 (local.get $q) (local.get $c) (local.get $chunks)))
      (else (if (result i32) (i32.eq (local.get $bits) (i32.const 2))
        (then (call $bits_dot2 (local.get $q) (local.get $c) (local.get $chunks)))
        (else (call $bits_dot1 (local.get $q) (local.get $c) (local.get $chunks)))))))

  ;; out[i] = sum_d code_d(base + i*stride) * query_d (int8), i < count.
  (func (export "bits_dot_i8_block") (param $query i32) (param $base i32) (param $stride i32) (param $count i32)
                                     (param $dim i32) (param $bits i32) (param $out i32)
    (local $chunks i32)
    (local.set $chunks (i32.shr_u (i32.mul (local.get $dim) (local.get $bits)) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $count)))
      (loop $next
        (i32.store (local.get $out)
          (call $bits_dot (local.get $query) (local.get $base) (local.get $chunks) (local.get $bits)))
        (local.set $base (i32.add (local.get $base) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; out[i] = sum_j 2^j popcount(row_i & plane_j) - 8 popcount(row_i), four planes of dim/8 bytes at query.
  (func (export "and_pop4_block") (param $query i32) (param $base i32) (param $stride i32) (param $count i32)
                                  (param $dim i32) (param $out i32)
    (local $plane i32) (local $chunks i32) (local $k i32) (local $c i32) (local $q i32)
    (local $x v128) (local $w v128) (local $acc v128)
    (local.set $plane (i32.shr_u (local.get $dim) (i32.const 3)))
    (local.set $chunks (i32.shr_u (local.get $dim) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $count)))
      (loop $next
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $c (local.get $base))
        (local.set $q (local.get $query))
        (local.set $k (local.get $chunks))
        (loop $chunk
          (local.set $x (v128.load (local.get $c)))
          (local.set $w (i8x16.add
            (i8x16.add
              (i8x16.popcnt (v128.and (local.get $x) (v128.load (local.get $q))))
              (i8x16.shl (i8x16.popcnt (v128.and (local.get $x)
                (v128.load (i32.add (local.get $q) (local.get $plane))))) (i32.const 1)))
            (i8x16.add
              (i8x16.shl (i8x16.popcnt (v128.and (local.get $x)
                (v128.load (i32.add (local.get $q) (i32.shl (local.get $plane) (i32.const 1)))))) (i32.const 2))
              (i8x16.shl (i8x16.popcnt (v128.and (local.get $x)
                (v128.load (i32.add (local.get $q) (i32.mul (local.get $plane) (i32.const 3)))))) (i32.const 3)))))
          (local.set $w (i8x16.sub (local.get $w) (i8x16.shl (i8x16.popcnt (local.get $x)) (i32.const 3))))
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.extadd_pairwise_i16x8_s (i16x8.extadd_pairwise_i8x16_s (local.get $w)))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $chunk (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (i32.store (local.get $out) (call $hsum (local.get $acc)))
        (local.set $base (i32.add (local.get $base) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; out[i] = popcount(row_i ^ query) over dim bits.
  (func (export "hamming_block") (param $query i32) (param $base i32) (param $stride i32) (param $count i32)
                                 (param $dim i32) (param $out i32)
    (local $chunks i32) (local $k i32) (local $c i32) (local $q i32) (local $acc v128)
    (local.set $chunks (i32.shr_u (local.get $dim) (i32.const 7)))
    (block $done
      (br_if $done (i32.eqz (local.get $count)))
      (loop $next
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $c (local.get $base))
        (local.set $q (local.get $query))
        (local.set $k (local.get $chunks))
        (loop $chunk
          (local.set $acc (i32x4.add (local.get $acc) (call $widen_u8
            (i8x16.popcnt (v128.xor (v128.load (local.get $c)) (v128.load (local.get $q)))))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $chunk (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (i32.store (local.get $out) (call $hsum (local.get $acc)))
        (local.set $base (i32.add (local.get $base) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))
)
