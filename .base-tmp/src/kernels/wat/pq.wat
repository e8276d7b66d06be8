;; Product-quantization asymmetric distance (ADC): a vector is m one-byte codes, the query a table of
;; m x 256 float32 partial distances (row j holds the distances from the query's j-th sub-vector to the
;; 256 centroids of sub-space j). distance = sum over j of table[j*256 + code[j]].
;;
;; Scalar wasm (no SIMD: wasm has no gather load). Four partial sums break the float-add chain; each
;; step of four codes advances the table pointer by four rows (4 KiB).
(module
  (import "env" "memory" (memory 1 65536))

  (func $adc (export "pq_adc") (param $t i32) (param $c i32) (param $m i32) (result f32)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $k i32)
    (local.set $k (i32.shr_u (local.get $m) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s0 (f32.add (local.get $s0) (f32.load
          (i32.add (local.get $t) (i32.shl (i32.load8_u (local.get $c)) (i32.const 2))))))
        (local.set $s1 (f32.add (local.get $s1) (f32.load offset=1024
          (i32.add (local.get $t) (i32.shl (i32.load8_u offset=1 (local.get $c)) (i32.const 2))))))
        (local.set $s2 (f32.add (local.get $s2) (f32.load offset=2048
          (i32.add (local.get $t) (i32.shl (i32.load8_u offset=2 (local.get $c)) (i32.const 2))))))
        (local.set $s3 (f32.add (local.get $s3) (f32.load offset=3072
          (i32.add (local.get $t) (i32.shl (i32.load8_u offset=3 (local.get $c)) (i32.const 2))))))
        (local.set $t (i32.add (local.get $t) (i32.const 4096)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (local.set $k (i32.and (local.get $m) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $s0 (f32.add (local.get $s0) (f32.load
          (i32.add (local.get $t) (i32.shl (i32.load8_u (local.get $c)) (i32.const 2))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1024)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br_if $next (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
    (f32.add (f32.add (local.get $s0) (local.get $s1)) (f32.add (local.get $s2) (local.get $s3))))

  ;; out[i] = adc(table, codes + i*m), i < count (codes stored contiguously, m bytes each).
  (func (export "pq_adc_block") (param $t i32) (param $codes i32) (param $m i32) (param $count i32)
                                (param $out i32)
    (block $done
      (br_if $done (i32.eqz (local.get $count)))
      (loop $next
        (f32.store (local.get $out) (call $adc (local.get $t) (local.get $codes) (local.get $m)))
        (local.set $codes (i32.add (local.get $codes) (local.get $m)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; out[i] = adc(table, codes + ids[i]*m), i < count; ids is a u32 array.
  (func (export "pq_adc_gather") (param $t i32) (param $codes i32) (param $m i32) (param $ids i32)
                                 (param $count i32) (param $out i32)
    (block $done
      (br_if $done (i32.eqz (local.get $count)))
      (loop $next
        (f32.store (local.get $out) (call $adc (local.get $t)
          (i32.add (local.get $codes) (i32.mul (i32.load (local.get $ids)) (local.get $m)))
          (local.get $m)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $next (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))
)
