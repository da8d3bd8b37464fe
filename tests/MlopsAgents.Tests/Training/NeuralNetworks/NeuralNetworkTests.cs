using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Tests.Training.NeuralNetworks;

public sealed class NeuralNetworkTests
{
    [Fact]
    public void Adam_ConvexQuadratic_ConvergesToTheMinimum()
    {
        // f(w) = Σ a_k (w_k − c_k)², minimum at c, with curvatures spanning two orders of magnitude.
        double[] a = [0.1, 1, 10];
        double[] c = [3, -2, 0.5];
        var w = new Parameter("w", 3, isWeight: true);
        var adam = new Adam([w], learningRate: 0.05);

        for (var step = 0; step < 3000; step++)
        {
            for (var k = 0; k < 3; k++)
            {
                w.Gradients[k] = 2 * a[k] * (w.Values[k] - c[k]);
            }

            adam.Step();
        }

        Assert.Equal(c, w.Values, (x, y) => Math.Abs(x - y) < 1e-3);
        Assert.Equal(3000, adam.StepCount);
    }

    [Fact]
    public void Sgd_WithMomentum_ConvergesOnAQuadratic()
    {
        var w = new Parameter("w", 2, isWeight: true);
        var sgd = new Sgd([w], learningRate: 0.05, momentum: 0.9);

        for (var step = 0; step < 500; step++)
        {
            w.Gradients[0] = 2 * (w.Values[0] - 1);
            w.Gradients[1] = 4 * (w.Values[1] + 2);
            sgd.Step();
        }

        Assert.Equal([1.0, -2.0], w.Values, (x, y) => Math.Abs(x - y) < 1e-6);
    }

    [Fact]
    public void ClipByGlobalNorm_LargeGradients_ScalesToMaxNormKeepingDirection()
    {
        var a = new Parameter("a", 2, isWeight: true);
        var b = new Parameter("b", 1, isWeight: false);
        a.Gradients[0] = 3;
        a.Gradients[1] = 0;
        b.Gradients[0] = 4;

        var before = GradientClipping.ClipByGlobalNorm([a, b], 1.0);

        Assert.Equal(5, before, 1e-12);
        Assert.Equal(1, GradientClipping.GlobalNorm([a, b]), 1e-12);
        Assert.Equal(0.6, a.Gradients[0], 1e-12);
        Assert.Equal(0.8, b.Gradients[0], 1e-12);
    }

    [Fact]
    public void ClipByGlobalNorm_SmallGradients_LeavesThemAlone()
    {
        var a = new Parameter("a", 2, isWeight: true);
        a.Gradients[0] = 0.3;
        a.Gradients[1] = 0.4;

        GradientClipping.ClipByGlobalNorm([a], 1.0);

        Assert.Equal([0.3, 0.4], a.Gradients);
    }

    [Fact]
    public void CloneAndCopyParametersFrom_GiveIndependentEqualNetworks()
    {
        var network = NeuralNetwork.CreateMlp(3, [5], 2, Activation.ReLU, new Random(1));
        var clone = network.Clone();
        double[] input = [0.5, -1, 2];

        Assert.Equal(network.Predict(input, 1), clone.Predict(input, 1));
        clone.Parameters[0].Values[0] += 1;
        Assert.NotEqual(network.Predict(input, 1), clone.Predict(input, 1));

        clone.CopyParametersFrom(network);
        Assert.Equal(network.Predict(input, 1), clone.Predict(input, 1));
    }

    [Fact]
    public void SoftUpdateFrom_Tau_MovesPartway()
    {
        var target = NeuralNetwork.CreateMlp(2, [3], 1, Activation.Tanh, new Random(1));
        var online = NeuralNetwork.CreateMlp(2, [3], 1, Activation.Tanh, new Random(2));
        var before = target.Parameters[0].Values.ToArray();

        target.SoftUpdateFrom(online, 0.25);

        var expected = before.Select((v, k) => 0.75 * v + 0.25 * online.Parameters[0].Values[k]).ToArray();
        Assert.Equal(expected, target.Parameters[0].Values, (x, y) => Math.Abs(x - y) < 1e-12);
    }

    [Fact]
    public void ToJsonFromJson_RoundTrip_IdenticalOutputs()
    {
        var network = NeuralNetwork.CreateMlp(4, [8, 6], 3, Activation.Tanh, new Random(3), Activation.Identity);
        var input = Enumerable.Range(0, 8).Select(i => Math.Sin(i)).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"nn-{Guid.NewGuid():N}.json");

        try
        {
            network.Save(path);
            var loaded = NeuralNetwork.Load(path);

            Assert.Equal(network.Predict(input, 2), loaded.Predict(input, 2));
            Assert.Equal(network.Layers.Select(l => l.GetType()), loaded.Layers.Select(l => l.GetType()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Predict_AfterForward_MatchesForwardAndLeavesBackwardIntact()
    {
        var network = NeuralNetwork.CreateMlp(3, [4], 2, Activation.ReLU, new Random(4));
        double[] input = [1, 2, 3, -1, -2, -3];

        var forward = network.Forward(input, 2).ToArray();
        var predicted = network.Predict([9, 9, 9], 1);
        network.Backward([1, 0, 0, 1], 2);

        Assert.Equal(forward, network.Predict(input, 2));
        Assert.Equal(2, predicted.Length);
        Assert.True(network.GradientNorm() > 0);
    }

    [Fact]
    public void ApplyGradientsFrom_ConcurrentWorkers_EqualsSequentialSumOfUpdates()
    {
        // SGD steps commute when gradients are fixed, so any interleaving of locked updates gives the same result.
        var shared = NeuralNetwork.CreateMlp(3, [4], 2, Activation.Tanh, new Random(5));
        var expected = shared.Clone();
        var sgd = new Sgd(shared.Parameters, learningRate: 0.01);
        var workers = Enumerable.Range(0, 4).Select(_ => shared.Clone()).ToArray();
        for (var w = 0; w < workers.Length; w++)
        {
            foreach (var p in workers[w].Parameters)
            {
                Array.Fill(p.Gradients, w + 1.0);
            }
        }

        Parallel.For(0, workers.Length * 25, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => shared.ApplyGradientsFrom(workers[i % workers.Length], sgd));

        // Each worker w applied 25 steps of gradient (w + 1): a total of 25·(1+2+3+4)·0.01 = 2.5 per parameter.
        for (var k = 0; k < shared.Parameters.Count; k++)
        {
            var want = expected.Parameters[k].Values.Select(v => v - 2.5).ToArray();
            Assert.Equal(want, shared.Parameters[k].Values, (x, y) => Math.Abs(x - y) < 1e-9);
        }
    }

    [Fact]
    public void AddGradientsFrom_Scale_AddsScaledGradients()
    {
        var a = NeuralNetwork.CreateMlp(2, [2], 1, Activation.ReLU, new Random(6));
        var b = a.Clone();
        Array.Fill(a.Parameters[0].Gradients, 1.0);
        Array.Fill(b.Parameters[0].Gradients, 2.0);

        a.AddGradientsFrom(b, 0.5);

        Assert.All(a.Parameters[0].Gradients, g => Assert.Equal(2.0, g));
    }

    [Fact]
    public void Constructor_MismatchedLayerSizes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new NeuralNetwork([new DenseLayer(3, 4), new ReLU(5)]));
    }
}
