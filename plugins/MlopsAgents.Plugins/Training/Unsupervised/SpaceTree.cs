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
    private readonly int[] _leafOf;
    private readonly int[] _nextInLeaf;

    // Cells live in parallel arrays, children of a cell in one contiguous block, to keep the traversal cache-friendly.
    private double[] _centre = [];
    private double[] _halfWidth = [];
    private double[] _massCentre = [];
    private int[] _count = [];
    private int[] _firstChild = [];
    private int[] _occupant = [];
    private int _cells;
    private double _rootHalfWidth;

    public SpaceTree(double[][] points)
    {
        _points = points;
        _dims = points[0].Length;
        _fanOut = 1 << _dims;
        _leafOf = new int[points.Length];
        _nextInLeaf = new int[points.Length];
        Grow(Math.Max(16, 2 * _fanOut * points.Length / Math.Max(_fanOut - 1, 1)));
        Build();
    }

    /// <summary>
    /// The repulsive force on point <paramref name="i"/> before normalisation, Σ w²(yᵢ − yⱼ), and its share of the
    /// normaliser, Σ w, over all other points, with far cells summarised. w = (1 + d²/dof)^(−(dof+1)/2).
    /// <paramref name="stack"/> is scratch space that grows as needed.
    /// </summary>
    public double Repulsion(int i, double thetaSquared, double dof, double[] force, ref int[] stack)
    {
        Array.Clear(force);
        var y = _points[i];
        var dims = _dims;
        var exponent = (dof + 1) / 2;
        var sum = 0.0;
        Span<double> delta = stackalloc double[dims];
        var top = 0;
        stack[top++] = 0;
        while (top > 0)
        {
            var node = stack[--top];
            var count = _count[node];
            var first = _firstChild[node];
            if (first < 0 && _leafOf[i] == node)
            {
                // Points sharing i's leaf coincide with it: they add to the normaliser but exert no force.
                count--;
                if (count > 0)
                {
                    sum += count;
                }

                continue;
            }

            var offset = node * dims;
            var d2 = 0.0;
            for (var d = 0; d < dims; d++)
            {
                var t = y[d] - _massCentre[offset + d];
                delta[d] = t;
                d2 += t * t;
            }

            if (first >= 0)
            {
                var width = 2 * _halfWidth[node];
                if (width * width >= thetaSquared * d2)
                {
                    if (top + _fanOut > stack.Length)
                    {
                        Array.Resize(ref stack, stack.Length * 2);
                    }

                    for (var c = first; c < first + _fanOut; c++)
                    {
                        if (_count[c] > 0)
                        {
                            stack[top++] = c;
                        }
                    }

                    continue;
                }
            }

            var w = dof == 1 ? 1 / (1 + d2) : Math.Pow(1 + (d2 / dof), -exponent);
            sum += count * w;
            var scale = count * w * w;
            for (var d = 0; d < dims; d++)
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
        var root = AddCells(1);
        for (var d = 0; d < _dims; d++)
        {
            _centre[(root * _dims) + d] = (min[d] + max[d]) / 2;
        }

        _halfWidth[root] = _rootHalfWidth;
        for (var i = 0; i < _points.Length; i++)
        {
            Insert(i);
        }

        // Sums become centres of mass once every point is in.
        for (var cell = 0; cell < _cells; cell++)
        {
            if (_count[cell] > 0)
            {
                for (var d = 0; d < _dims; d++)
                {
                    _massCentre[(cell * _dims) + d] /= _count[cell];
                }
            }
        }
    }

    private int AddCells(int howMany)
    {
        if (_cells + howMany > _count.Length)
        {
            Grow(Math.Max(_count.Length * 2, _cells + howMany));
        }

        var first = _cells;
        for (var c = first; c < first + howMany; c++)
        {
            _firstChild[c] = -1;
            _occupant[c] = -1;
        }

        _cells += howMany;
        return first;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _centre, capacity * _dims);
        Array.Resize(ref _massCentre, capacity * _dims);
        Array.Resize(ref _halfWidth, capacity);
        Array.Resize(ref _count, capacity);
        Array.Resize(ref _firstChild, capacity);
        Array.Resize(ref _occupant, capacity);
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
                _massCentre[(node * _dims) + d] += y[d];
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
        var first = AddCells(_fanOut);
        for (var c = 0; c < _fanOut; c++)
        {
            var child = first + c;
            _halfWidth[child] = half;
            for (var d = 0; d < _dims; d++)
            {
                _centre[(child * _dims) + d] = _centre[(node * _dims) + d] + (((c >> d) & 1) == 1 ? half : -half);
            }
        }

        _firstChild[node] = first;
        var occupant = _occupant[node];
        _occupant[node] = -1;

        // The points of the old leaf all sit at one location, so they move to one child together; the count and mass
        // of the parent already include them.
        var target = ChildFor(node, _points[occupant]);
        _occupant[target] = occupant;
        var moved = 0;
        for (var p = occupant; p >= 0; p = _nextInLeaf[p])
        {
            _leafOf[p] = target;
            moved++;
            for (var d = 0; d < _dims; d++)
            {
                _massCentre[(target * _dims) + d] += _points[p][d];
            }
        }

        _count[target] = moved;
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
