// A small builder for ONNX graphs: named initializers, nodes with typed attributes, dynamic-shape inputs and outputs.
import { AttributeType, DataType, type ModelObject } from './onnx-proto.js';

type TensorData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | Uint16Array;

/** A typed ONNX attribute value; build with {@link int}, {@link float}, {@link ints}. */
export interface Attr { type: number; i?: number; f?: number; ints?: number[] }
/** An INT attribute. */
export const int = (i: number): Attr => ({ type: AttributeType.INT, i });
/** A FLOAT attribute. */
export const float = (f: number): Attr => ({ type: AttributeType.FLOAT, f });
/** An INTS attribute. */
export const ints = (v: number[]): Attr => ({ type: AttributeType.INTS, ints: v });

function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Builds one graph; every helper returns the name of the value it produced. */
export class GraphBuilder {
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private counter = 0;

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Adds a constant tensor (raw little-endian bytes) and returns its name. */
  init(name: string, dataType: number, dims: number[], data: TensorData): string {
    this.initializers.push({ name, data_type: dataType, dims, raw_data: bytesOf(data) });
    return name;
  }

  /** A float32 constant. */
  f32(name: string, dims: number[], data: Float32Array | number[]): string {
    return this.init(name, DataType.FLOAT, dims, data instanceof Float32Array ? data : Float32Array.from(data));
  }

  /** An int64 constant. */
  i64(name: string, dims: number[], values: number[]): string {
    return this.init(name, DataType.INT64, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  /** Adds a node; returns its single output name, or all names when `outputs > 1`. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1, domain = ''): string {
    return this.opN(opType, inputs, attrs, outputs, domain)[0];
  }

  /** Adds a node with several outputs and returns all their names. */
  opN(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1, domain = ''): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    const attribute = Object.entries(attrs).map(([name, a]) => ({ name, ...a }));
    this.nodes.push({ op_type: opType, input: inputs, output: names, name: this.fresh(`n_${opType}`), attribute, domain });
    return names;
  }

  /** Renames the output of the last node (to give a graph output its public name). */
  renameLastOutput(name: string): string {
    const last = this.nodes[this.nodes.length - 1] as { output: string[] };
    last.output[0] = name;
    return name;
  }

  /** Declares a graph input with named dynamic dims (strings) or fixed dims (numbers). */
  input(name: string, elemType: number, dims: (string | number)[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output. */
  output(name: string, elemType: number, dims: (string | number)[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** The finished ModelProto object (IR 8, default opset as given). */
  toModel(opts: { name: string; opset: number; extraOpsets?: { domain: string; version: number }[]; doc?: string }): ModelObject {
    return {
      ir_version: 8,
      producer_name: 'abi-sdk model generator',
      producer_version: '1',
      doc_string: opts.doc ?? '',
      opset_import: [{ domain: '', version: opts.opset }, ...(opts.extraOpsets ?? [])],
      graph: { name: opts.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
  }
}

function valueInfo(name: string, elemType: number, dims: (string | number)[]): Record<string, unknown> {
  const dim = dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}
