namespace MlopsAgents.Workflow; internal static class Placeholder { }
