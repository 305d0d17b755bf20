"""An unknown cell raises KeyError."""


class RNNLanguageModel(nn.Module):
    def __init__(self, vocab_size, hidden_dim, num_layers=1, cell="rnn", pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_dim, padding_idx=pad_id)
        self.rnn = CELLS[cell](hidden_dim, hidden_dim, num_layers=num_layers, batch_first=True)
        self.output = nn.Linear(hidden_dim, vocab_size)

    def forward(self, input_ids, hidden=None):
        states, hidden = self.rnn(self.embedding(input_ids), hidden)
        return self.output(states), hidden
