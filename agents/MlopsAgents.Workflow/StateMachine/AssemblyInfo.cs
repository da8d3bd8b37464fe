using System.Runtime.CompilerServices;

// The crash-recovery tests hook the store's commits to kill the executor after each persisted transition.
[assembly: InternalsVisibleTo("MlopsAgents.Tests")]
