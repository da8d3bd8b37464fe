namespace MlopsAgents.Plugins.Training.Unsupervised;

/// <summary>
/// The Barnes–Hut tree of t-SNE over a 1-, 2- or 3-D embedding (a binary tree, quadtree or octree): each cell keeps its
/// point count and centre of mass, so that far cells act as one point in the repulsive forces.
/// </summary>
internal sealed class SpaceTree
{
    private readonly int _dims;
    private readonly int _fanOut;
    private readonly double[][] _points;
    private readonly List<double> _centre = [];
    private readonly List<double> _halfWidth = [];
    private readonly List<double> _massCentreSum = [];
    private readonly List<int> _count = [];
    private readonly List<int> _firstChild = [];
    private readonly List<int> _occupant = [];
    private readonly int[] _leafOf;
    private readonly int[] _nextInLeaf;
    private double _rootHalfWidth;

    public SpaceTree(double[][] points)
    {
        _points = points;
        _dims = points[0].Length;
        _fanOut = 1 << _dims;
        _leafOf = new int[points.Length];
        _nextInLeaf = new int[points.Length];
        Build();
    }

    /// <summary>
    /// The repulsive force on point <paramref name="i"/> before normalisation, Σ w²(yᵢ − yⱼ), and its share of the
    /// normaliser, Σ w, over all other points, with far cells summarised. w = (1 + d²/dof)^(−(dof+1)/2).
    /// </summary>
    public double Repulsion(int i, double thetaSquared, double dof, double[] force, Stack<int> stack)
    {
        Array.Clear(force);
        var y = _points[i];
        var exponent = (dof + 1) / 2;
        var sum = 0.0;
        Span<double> delta = stackalloc double[_dims];
        stack.Clear();
        stack.Push(0);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            var count = _count[node];
            if (count == 0)
            {
                continue;
            }

            var isLeaf = _firstChild[node] < 0;
            double d2 = 0;
            if (isLeaf)
            {
                if (_leafOf[i] == node)
                {
                    // Points sharing a leaf coincide with i, so they add to the normaliser but exert no force.
                    count--;
                }

                if (count == 0)
                {
                    continue;
                }

                var other = _points[_occupant[node]];
                for (var d = 0; d < _dims; d++)
                {
                    delta[d] = y[d] - other[d];
                    d2 += delta[d] * delta[d];
                }
            }
            else
            {
                for (var d = 0; d < _dims; d++)
                {
                    delta[d] = y[d] - (_massCentreSum[(node * _dims) + d] / count);
                    d2 += delta[d] * delta[d];
                }

                var width = 2 * _halfWidth[node];
                if (width * width >= thetaSquared * d2)
                {
                    var first = _firstChild[node];
                    for (var c = 0; c < _fanOut; c++)
                    {
                        stack.Push(first + c);
                    }

                    continue;
                }
            }

            var w = dof == 1 ? 1 / (1 + d2) : Math.Pow(1 + (d2 / dof), -exponent);
            sum += count * w;
            var scale = count * w * w;
            for (var d = 0; d < _dims; d++)
            {
                force[d] += scale * delta[d];
            }
        }

        return sum;
    }

    private void Build()
    {
        var min = new double[_dims];
        var max = new double[_dims];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        foreach (var p in _points)
        {
            for (var d = 0; d < _dims; d++)
            {
                min[d] = Math.Min(min[d], p[d]);
                max[d] = Math.Max(max[d], p[d]);
            }
        }

        var half = 0.0;
        for (var d = 0; d < _dims; d++)
        {
            half = Math.Max(half, (max[d] - min[d]) / 2);
        }

        // A little slack keeps points on the boundary strictly inside the root cell.
        _rootHalfWidth = Math.Max(half * (1 + 1e-9), 1e-12);
        AddNode(Enumerable.Range(0, _dims).Select(d => (min[d] + max[d]) / 2).ToArray(), _rootHalfWidth);
        for (var i = 0; i < _points.Length; i++)
        {
            Insert(i);
        }
    }

    private int AddNode(double[] centre, double halfWidth)
    {
        var id = _count.Count;
        _centre.AddRange(centre);
        _halfWidth.Add(halfWidth);
        for (var d = 0; d < _dims; d++)
        {
            _massCentreSum.Add(0);
        }

        _count.Add(0);
        _firstChild.Add(-1);
        _occupant.Add(-1);
        return id;
    }

    private void Insert(int i)
    {
        var y = _points[i];
        var node = 0;
        while (true)
        {
            _count[node]++;
            for (var d = 0; d < _dims; d++)
            {
                _massCentreSum[(node * _dims) + d] += y[d];
            }

            if (_firstChild[node] >= 0)
            {
                node = ChildFor(node, y);
                continue;
            }

            var occupant = _occupant[node];
            if (occupant < 0)
            {
                _occupant[node] = i;
                _leafOf[i] = node;
                _nextInLeaf[i] = -1;
                return;
            }

            // Coinciding points (or cells too small to split further) share one leaf.
            if (_points[occupant].AsSpan().SequenceEqual(y) || _halfWidth[node] < 1e-12 * _rootHalfWidth)
            {
                _nextInLeaf[i] = _nextInLeaf[occupant];
                _nextInLeaf[occupant] = i;
                _leafOf[i] = node;
                return;
            }

            Split(node);
            node = ChildFor(node, y);
        }
    }

    /// <summary>Turns a leaf into an inner cell and moves its points (one location) into the matching child.</summary>
    private void Split(int node)
    {
        var half = _halfWidth[node] / 2;
        var first = -1;
        for (var c = 0; c < _fanOut; c++)
        {
            var centre = new double[_dims];
            for (var d = 0; d < _dims; d++)
            {
                centre[d] = _centre[(node * _dims) + d] + (((c >> d) & 1) == 1 ? half : -half);
            }

            var id = AddNode(centre, half);
            first = c == 0 ? id : first;
        }

        _firstChild[node] = first;
        var occupant = _occupant[node];
        _occupant[node] = -1;

        // The points of the old leaf all sit at one location, so they move to one child together; the count and mass
        // of the parent already include them.
        var child = ChildFor(node, _points[occupant]);
        _occupant[child] = occupant;
        var moved = 0;
        for (var p = occupant; p >= 0; p = _nextInLeaf[p])
        {
            _leafOf[p] = child;
            moved++;
            for (var d = 0; d < _dims; d++)
            {
                _massCentreSum[(child * _dims) + d] += _points[p][d];
            }
        }

        _count[child] = moved;
    }

    private int ChildFor(int node, double[] y)
    {
        var index = 0;
        for (var d = 0; d < _dims; d++)
        {
            if (y[d] > _centre[(node * _dims) + d])
            {
                index |= 1 << d;
            }
        }

        return _firstChild[node] + index;
    }
}
