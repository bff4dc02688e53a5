using Onnx;

namespace Pipeline.Onnx;

/// <summary>
/// Writes an ONNX model node by node with standard opset-17 operators: float32 initializers, inputs and outputs with a
/// dynamic batch dimension, and names made unique as they are handed out.
/// </summary>
/// <remarks>
/// Opset 17 and IR version 8 are the newest that Debian's python3-onnx 1.12 checker knows; ONNX Runtime 1.31 and
/// onnxruntime-node 1.30 run them. Every value a node reads must exist before the node is added, so a graph built
/// here is in topological order by construction.
/// </remarks>
public sealed class OnnxGraphBuilder
{
    /// <summary>The default-domain operator set every graph imports.</summary>
    public const long OpsetVersion = 17;

    /// <summary>The ONNX IR version written into every model.</summary>
    public const long IrVersion = 8;

    /// <summary>The symbolic name of the leading, dynamic batch dimension of inputs and outputs.</summary>
    public const string BatchDimension = EmbeddingModelMetadata.BatchDimension;

    /// <summary>Marks the dynamic batch dimension (<see cref="BatchDimension"/>) in a shape given as numbers.</summary>
    public const long DynamicDimension = -1;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string graphName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>Declares a float32 graph input of shape [N, <paramref name="dimensions"/>…] and returns its name.</summary>
    public string AddInput(string name, params long[] dimensions)
    {
        Reserve(name);
        _graph.Input.Add(FloatValueInfo(name, dimensions));
        _values.Add(name);
        return name;
    }

    /// <summary>
    /// Declares a graph input of any element type and exact shape, where <see cref="DynamicDimension"/> marks the
    /// dynamic batch dimension and an empty shape a scalar; returns its name.
    /// </summary>
    public string AddTensorInput(string name, TensorProto.Types.DataType elementType, IReadOnlyList<long> shape)
    {
        Reserve(name);
        _graph.Input.Add(ValueInfo(name, elementType, shape));
        _values.Add(name);
        return name;
    }

    /// <summary>Declares a graph input exactly as <paramref name="valueInfo"/> describes it (another graph's, say); returns its name.</summary>
    public string AddInput(ValueInfoProto valueInfo)
    {
        ArgumentNullException.ThrowIfNull(valueInfo);
        Reserve(valueInfo.Name);
        _graph.Input.Add(valueInfo.Clone());
        _values.Add(valueInfo.Name);
        return valueInfo.Name;
    }

    /// <summary>Declares the value <paramref name="name"/>, produced by a node, as a float32 output [N, <paramref name="dimensions"/>…].</summary>
    public void AddOutput(string name, params long[] dimensions)
    {
        RequireValue(name);
        _graph.Output.Add(FloatValueInfo(name, dimensions));
    }

    /// <summary>
    /// Declares the value <paramref name="name"/> as a graph output of any element type and exact shape
    /// (<see cref="DynamicDimension"/> marks the batch dimension, an empty shape a scalar).
    /// </summary>
    public void AddTensorOutput(string name, TensorProto.Types.DataType elementType, IReadOnlyList<long> shape)
    {
        RequireValue(name);
        _graph.Output.Add(ValueInfo(name, elementType, shape));
    }

    /// <summary>Declares the value <paramref name="valueInfo"/> names, produced by a node, as a graph output exactly as it describes it.</summary>
    public void AddOutput(ValueInfoProto valueInfo)
    {
        ArgumentNullException.ThrowIfNull(valueInfo);
        RequireValue(valueInfo.Name);
        _graph.Output.Add(valueInfo.Clone());
    }

    /// <summary>The nodes added so far, in order (the live list: later additions show).</summary>
    public IReadOnlyList<NodeProto> Nodes => _graph.Node;

    /// <summary>The initializers added so far, in order (the live list).</summary>
    public IReadOnlyList<TensorProto> Initializers => _graph.Initializer;

    /// <summary>Whether an input, initializer or node output of this name exists.</summary>
    public bool HasValue(string name) => _values.Contains(name);

    /// <summary>
    /// Adds a copy of <paramref name="tensor"/> (any element type) as an initializer named exactly
    /// <paramref name="name"/>, or the tensor's own name when null; returns the name.
    /// </summary>
    public string AddInitializer(TensorProto tensor, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        TensorProto copy = tensor.Clone();
        copy.Name = Reserve(name ?? tensor.Name);
        _graph.Initializer.Add(copy);
        _values.Add(copy.Name);
        return copy.Name;
    }

    /// <summary>Adds an int64 constant (shapes, axes, indices) of the given shape and returns its (unique) name.</summary>
    public string AddInt64Initializer(string nameHint, ReadOnlySpan<long> values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        RequireCount(nameHint, values.Length, shape);
        string name = Unique(nameHint);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(shape);
        foreach (long value in values)
        {
            tensor.Int64Data.Add(value);
        }
        _graph.Initializer.Add(tensor);
        _values.Add(name);
        return name;
    }

    /// <summary>Adds a float32 constant of the given shape and returns its (unique) name.</summary>
    public string AddInitializer(string nameHint, ReadOnlySpan<float> values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        RequireCount(nameHint, values.Length, shape);
        string name = Unique(nameHint);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(shape);
        foreach (float value in values)
        {
            tensor.FloatData.Add(value);
        }
        _graph.Initializer.Add(tensor);
        _values.Add(name);
        return name;
    }

    /// <summary>
    /// Adds one node of the default domain with a single output and returns the output's name: <paramref name="output"/>
    /// when given (it must be free), otherwise a unique name made from <paramref name="nameHint"/>.
    /// </summary>
    public string AddNode(string opType, string nameHint, IReadOnlyList<string> inputs, IEnumerable<AttributeProto>? attributes = null,
        string? output = null)
    {
        NodeProto node = NewNode(opType, nameHint, inputs, attributes);
        AddOutput(node, output is null ? Unique(node.Name + "_out") : Reserve(output));
        _graph.Node.Add(node);
        return node.Output[0];
    }

    /// <summary>
    /// Adds one node of the default domain with <paramref name="outputCount"/> outputs (a MaxPool with its indices,
    /// say) and returns their names, unique names made from <paramref name="nameHint"/>.
    /// </summary>
    public IReadOnlyList<string> AddNode(string opType, string nameHint, IReadOnlyList<string> inputs, IEnumerable<AttributeProto>? attributes,
        int outputCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputCount);
        NodeProto node = NewNode(opType, nameHint, inputs, attributes);
        for (int i = 0; i < outputCount; i++)
        {
            AddOutput(node, Unique($"{node.Name}_out{i}"));
        }
        _graph.Node.Add(node);
        return node.Output.ToArray();
    }

    /// <summary>
    /// Adds a copy of a node from another graph: its operator, domain and attributes, its name made unique, and its
    /// inputs and outputs renamed by <paramref name="rename"/> (identity when null). An empty input name (an omitted
    /// optional input) stays empty. Returns the copy as it is in this graph.
    /// </summary>
    public NodeProto AddNode(NodeProto source, Func<string, string>? rename = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        rename ??= name => name;
        var node = new NodeProto
        {
            OpType = source.OpType,
            Domain = source.Domain,
            Name = Unique(string.IsNullOrEmpty(source.Name) ? source.OpType : source.Name),
            DocString = source.DocString,
        };
        foreach (string input in source.Input)
        {
            string renamed = input.Length == 0 ? "" : rename(input);
            if (renamed.Length > 0)
            {
                RequireValue(renamed);
            }
            node.Input.Add(renamed);
        }
        node.Attribute.AddRange(source.Attribute.Select(attribute => attribute.Clone()));
        foreach (string output in source.Output)
        {
            string renamed = output.Length == 0 ? "" : Reserve(rename(output));
            node.Output.Add(renamed);
            if (renamed.Length > 0)
            {
                _values.Add(renamed);
            }
        }
        _graph.Node.Add(node);
        return node;
    }

    /// <summary>The model: this graph, opset <see cref="OpsetVersion"/>, IR version <see cref="IrVersion"/>.</summary>
    public ModelProto Build(string producerName, string producerVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(producerName);
        ArgumentNullException.ThrowIfNull(producerVersion);
        if (_graph.Output.Count == 0)
        {
            throw new InvalidOperationException($"Graph '{_graph.Name}' has no output: call {nameof(AddOutput)} before {nameof(Build)}.");
        }
        return new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = producerName,
            ProducerVersion = producerVersion,
            Graph = _graph.Clone(),
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = OpsetVersion } },
        };
    }

    private static ValueInfoProto FloatValueInfo(string name, long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        foreach (long dimension in dimensions)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension, nameof(dimensions));
        }
        return ValueInfo(name, TensorProto.Types.DataType.Float, [DynamicDimension, .. dimensions]);
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType elementType, IReadOnlyList<long> dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        var shape = new TensorShapeProto();
        foreach (long dimension in dimensions)
        {
            if (dimension == DynamicDimension)
            {
                shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
                continue;
            }
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension, nameof(dimensions));
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dimension });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    private static void RequireCount(string nameHint, int count, long[] shape)
    {
        long expected = 1;
        foreach (long dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            expected *= dimension;
        }
        if (expected != count)
        {
            throw new ArgumentException(
                $"Initializer '{nameHint}' has {count} values but shape [{string.Join(", ", shape)}] holds {expected}.", nameof(shape));
        }
    }

    private NodeProto NewNode(string opType, string nameHint, IReadOnlyList<string> inputs, IEnumerable<AttributeProto>? attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (string input in inputs)
        {
            RequireValue(input);
        }
        var node = new NodeProto { OpType = opType, Name = Unique(nameHint) };
        node.Input.AddRange(inputs);
        if (attributes is not null)
        {
            node.Attribute.AddRange(attributes);
        }
        return node;
    }

    private void AddOutput(NodeProto node, string output)
    {
        node.Output.Add(output);
        _values.Add(output);
    }

    private string Reserve(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The name '{name}' is already used in graph '{_graph.Name}'.", nameof(name));
        }
        return name;
    }

    private string Unique(string hint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hint);
        string name = hint;
        for (int suffix = 2; !_names.Add(name); suffix++)
        {
            name = $"{hint}_{suffix}";
        }
        return name;
    }

    private void RequireValue(string name)
    {
        if (!_values.Contains(name))
        {
            throw new ArgumentException(
                $"No input, initializer or node output named '{name}' exists yet in graph '{_graph.Name}'.", nameof(name));
        }
    }
}
